/** Paging settings (lib/paging/paging-plan.ts), checked once when the node is built. */
import assert from 'node:assert/strict';
import { RestError } from '../../lib/errors';
import type { PagingOptions } from '../../lib/paging/paging-plan';
import { planOf } from './paging-api';

/** Settings that must be refused: [what, settings, code, a part of the message]. */
const REFUSED: [string, Record<string, unknown>, string, string][] = [
  ['nextUrl without nextPath', { paging: 'nextUrl' }, 'ERR_CONFIG', 'paging "nextUrl" needs nextPath'],
  ['cursor without nextPath', { paging: 'cursor', pageParam: 'c' }, 'ERR_CONFIG', 'paging "cursor" needs nextPath'],
  ['offset without pageParam', { paging: 'offset' }, 'ERR_CONFIG', 'needs pageParam'],
  ['page with a blank pageParam', { paging: 'page', pageParam: '  ' }, 'ERR_CONFIG', 'page number'],
  ['cursor without pageParam', { paging: 'cursor', nextPath: '$.next' }, 'ERR_CONFIG', 'cursor'],
  ['a bad nextPath', { paging: 'nextUrl', nextPath: '$.next[' }, 'ERR_JSONPATH', 'nextPath "$.next["'],
  ['maxPages 0', { paging: 'page', pageParam: 'p', maxPages: 0 }, 'ERR_CONFIG', 'maxPages'],
  ['maxPages not a number', { paging: 'page', pageParam: 'p', maxPages: 'many' }, 'ERR_CONFIG', 'maxPages'],
  [
    'a negative pageSize',
    { paging: 'page', pageParam: 'p', pageSizeParam: 'size', pageSize: -5 },
    'ERR_CONFIG',
    'pageSize',
  ],
  ['an unknown mode', { paging: 'sometimes' }, 'ERR_CONFIG', 'paging must be one of'],
];

describe('paging: settings', () => {
  for (const [what, settings, code, part] of REFUSED) {
    it(`refuses ${what}: ${code}`, () => {
      assert.throws(
        () => planOf(settings),
        (err: unknown) => {
          assert.ok(err instanceof RestError);
          assert.equal(err.code, code);
          assert.ok(err.message.includes(part), err.message);
          return true;
        },
      );
    });
  }

  it('paging none ignores the other settings', () => {
    assert.doesNotThrow(() =>
      planOf({ paging: 'none', maxPages: 0, pageSize: 'x' } as unknown as Partial<PagingOptions>),
    );
    assert.doesNotThrow(() => planOf({ paging: '' } as unknown as Partial<PagingOptions>));
  });
});
