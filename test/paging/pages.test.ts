/**
 * Paging through a loopback API in every mode (lib/paging/pages.ts): which pages are asked
 * for, which rows come back, when paging stops and what it warns, as tables of cases; then
 * the failures on a page.
 */
import assert from 'node:assert/strict';
import type { PagingOptions } from '../../lib/paging/paging-plan';
import { startServer, type LoopbackServer } from '../support/loopback-server';
import { ALL_IDS, ids, run, runError, startPagingApi } from './paging-api';

interface PagingCase {
  name: string;
  path: string;
  paging: Partial<PagingOptions>;
  rowsPath?: string;
  ids: number[];
  /** What each request asked for: its search part, or one query parameter. */
  requested: string[] | { param: string; values: (string | null)[] };
  pages?: number;
  /** Each warning, in order. */
  warnings?: RegExp[];
}

const range = (from: number, to: number) => ALL_IDS.filter((id) => id >= from && id <= to);

const CASES: PagingCase[] = [
  {
    name: 'offset: advances the offset by the rows received',
    path: '/offset',
    paging: { paging: 'offset', pageParam: 'offset', pageSizeParam: 'limit', pageSize: 10 },
    ids: ALL_IDS,
    requested: ['?limit=10&offset=0', '?limit=10&offset=10', '?limit=10&offset=20'],
  },
  {
    name: 'offset: stops on a short page without asking for another',
    path: '/offset',
    paging: { paging: 'offset', pageParam: 'offset', pageSizeParam: 'limit', pageSize: 12 },
    ids: ALL_IDS,
    requested: { param: 'offset', values: ['0', '12', '24'] },
    pages: 3,
  },
  {
    name: 'offset without a page size parameter: stops on the empty page',
    path: '/offset',
    paging: { paging: 'offset', pageParam: 'offset' },
    ids: ALL_IDS,
    requested: { param: 'offset', values: ['0', '10', '20', '25'] },
    pages: 4,
  },
  {
    name: 'offset: an exact multiple of the page size ends on the empty page',
    path: '/offset',
    paging: { paging: 'offset', pageParam: 'offset', pageSizeParam: 'limit', pageSize: 5 },
    ids: ALL_IDS,
    requested: { param: 'offset', values: ['0', '5', '10', '15', '20', '25'] },
  },
  {
    name: 'page: page numbers from 1',
    path: '/page',
    paging: { paging: 'page', pageParam: 'page', pageSizeParam: 'size', pageSize: 10 },
    rowsPath: '$.data',
    ids: ALL_IDS,
    requested: { param: 'page', values: ['1', '2', '3'] },
    pages: 3,
  },
  {
    name: 'page: maxPages cuts the result with a warning',
    path: '/page',
    paging: { paging: 'page', pageParam: 'page', pageSizeParam: 'size', pageSize: 10, maxPages: 2 },
    rowsPath: '$.data',
    ids: range(1, 20),
    requested: { param: 'page', values: ['1', '2'] },
    warnings: [/stopped after 2 pages \(maxPages\).*cut/],
  },
  {
    name: 'page: maxPages equal to the real page count gives no warning',
    path: '/page',
    paging: { paging: 'page', pageParam: 'page', pageSizeParam: 'size', pageSize: 10, maxPages: 3 },
    rowsPath: '$.data',
    ids: ALL_IDS,
    requested: { param: 'page', values: ['1', '2', '3'] },
  },
  {
    name: 'page: an API that ignores the page parameter stops at the repeated page with a warning',
    path: '/ignores-paging',
    paging: { paging: 'page', pageParam: 'page' },
    ids: range(1, 10),
    requested: { param: 'page', values: ['1', '2'] },
    warnings: [/page 2 is identical to page 1/],
  },
  {
    name: 'page: an endless API stops at maxPages',
    path: '/endless',
    paging: { paging: 'page', pageParam: 'page', maxPages: 7 },
    rowsPath: '$.data',
    ids: [1, 2, 3, 4, 5, 6, 7],
    requested: { param: 'page', values: ['1', '2', '3', '4', '5', '6', '7'] },
    warnings: [/stopped after 7 pages/],
  },
  {
    name: 'nextUrl: relative links (query-only, dot-segments, absolute path) resolve against the page URL',
    path: '/v1/next',
    paging: { paging: 'nextUrl', nextPath: '$.links.next', pageSizeParam: 'size', pageSize: 5 },
    rowsPath: '$.items',
    ids: ALL_IDS,
    requested: ['?size=5', '?start=5&size=5', '?start=10&size=5', '?start=15&size=5', '?start=20&size=5'],
    pages: 5,
  },
  {
    name: 'nextUrl: absolute links, stopping on an empty link',
    path: '/absolute-next',
    paging: { paging: 'nextUrl', nextPath: 'next' },
    rowsPath: 'items',
    ids: ALL_IDS,
    requested: ['', '?start=10', '?start=20'],
  },
  {
    name: 'nextUrl: a link to the page itself stops with a warning',
    path: '/self-link',
    paging: { paging: 'nextUrl', nextPath: '$.next' },
    rowsPath: '$.items',
    ids: range(1, 10),
    requested: [''],
    warnings: [/links to itself/],
  },
  {
    name: 'linkHeader: rel="next" among several links and rel lists, relative to the page URL',
    path: '/linked',
    paging: { paging: 'linkHeader' },
    ids: ALL_IDS,
    requested: ['', '?p=2&a=1,2', '?p=3&a=1,2'],
  },
  {
    name: 'cursor: no cursor first, then the cursor from the body, until it is null',
    path: '/cursor',
    paging: {
      paging: 'cursor',
      nextPath: '$.meta.next_cursor',
      pageParam: 'cursor',
      pageSizeParam: 'limit',
      pageSize: 10,
    },
    rowsPath: '$.results',
    ids: ALL_IDS,
    requested: [
      '?limit=10',
      `?limit=10&cursor=${Buffer.from('10').toString('base64url')}`,
      `?limit=10&cursor=${Buffer.from('20').toString('base64url')}`,
    ],
  },
  {
    name: 'none: one request, one page, no paging parameters',
    path: '/offset',
    paging: {},
    ids: range(1, 10),
    requested: [''],
    pages: 1,
  },
];

interface FailureCase {
  name: string;
  path: string;
  paging: Partial<PagingOptions>;
  rowsPath?: string;
  code: string;
  page: number | undefined;
  message: RegExp;
  statusCode?: number;
  responseBody?: string;
}

const FAILURES: FailureCase[] = [
  {
    name: 'a 500 on page 3 names page 3 and keeps its code, status and body',
    path: '/fails-on-3',
    paging: { paging: 'page', pageParam: 'page' },
    code: 'ERR_HTTP_STATUS',
    page: 3,
    message: /^page 3: HTTP 500/,
    statusCode: 500,
    responseBody: '{"error":"database down"}',
  },
  {
    name: 'a page that is not JSON is ERR_NOT_JSON on page 2',
    path: '/not-json-on-2',
    paging: { paging: 'page', pageParam: 'page' },
    code: 'ERR_NOT_JSON',
    page: 2,
    message: /^page 2: /,
  },
  {
    name: 'a next link that is not a string is ERR_VALUE on page 1',
    path: '/bad-next',
    paging: { paging: 'nextUrl', nextPath: '$.next' },
    rowsPath: '$.items',
    code: 'ERR_VALUE',
    page: 1,
    message: /^page 1: nextPath \$\.next gave \{"href":"\/x"\}, not a link/,
  },
  {
    name: 'with paging none an error is passed on unchanged',
    path: '/missing',
    paging: { paging: 'none' },
    code: 'ERR_HTTP_STATUS',
    page: undefined,
    message: /^HTTP 404/,
  },
];

describe('paging: pages against a loopback API', () => {
  let api: LoopbackServer;
  let other: LoopbackServer;

  before(async () => {
    [api, other] = await Promise.all([startPagingApi(), startPagingApi()]);
  });
  after(() => Promise.all([api.close(), other.close()]));

  for (const c of CASES) {
    it(c.name, async () => {
      const result = await run(api.url, c.path, c.paging, c.rowsPath);
      assert.deepEqual(ids(result.rows), c.ids);
      const urls = result.requested.map((r) => new URL(r.url));
      if (Array.isArray(c.requested)) {
        assert.deepEqual(
          urls.map((url) => url.search),
          c.requested,
        );
        for (const url of urls) assert.equal(url.pathname, c.path);
      } else {
        const { param } = c.requested;
        assert.deepEqual(
          urls.map((url) => url.searchParams.get(param)),
          c.requested.values,
        );
      }
      if (c.pages !== undefined) assert.equal(result.pages.length, c.pages);
      assert.deepEqual(
        result.pages.map((page) => page.page),
        result.pages.map((_, i) => i + 1),
      );
      const warnings = c.warnings ?? [];
      assert.equal(result.warnings.length, warnings.length, result.warnings.join('\n'));
      warnings.forEach((pattern, i) => assert.match(result.warnings[i] ?? '', pattern));
    });
  }

  for (const c of FAILURES) {
    it(c.name, async () => {
      const err = await runError(api.url, c.path, c.paging, c.rowsPath);
      assert.equal(err.name, 'RestError');
      assert.equal(err.code, c.code);
      assert.equal(err.page, c.page);
      assert.match(err.message, c.message);
      if (c.statusCode) assert.equal(err.statusCode, c.statusCode);
      if (c.responseBody) assert.equal(err.responseBody, c.responseBody);
    });
  }

  it('a next link to another origin is refused with ERR_ORIGIN before it is requested', async () => {
    const before = other.requests.length;
    const err = await runError(api.url, '/cross-origin', { paging: 'nextUrl', nextPath: '$.next' }, '$.items', {
      'x-other-origin': other.url,
    });
    assert.equal(err.code, 'ERR_ORIGIN');
    assert.equal(err.page, 2);
    assert.match(
      err.message,
      /^page 2: the next page link goes to http:\/\/127\.0\.0\.1:\d+, not http:\/\/127\.0\.0\.1/,
    );
    assert.ok(err.message.includes(other.url));
    assert.equal(other.requests.length, before, 'the other origin must not be contacted');
  });

  it('a failure that is not a RestError (connection refused) still names the page', async () => {
    const closed = await startServer();
    await closed.close();
    const err = await runError(closed.url, '/offset', { paging: 'offset', pageParam: 'offset' });
    assert.equal(err.name, 'RestError');
    assert.equal(err.code, 'ERR_NETWORK');
    assert.equal(err.page, 1);
    assert.match(err.message, /^page 1: /);
  });
});
