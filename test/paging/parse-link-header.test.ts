/** RFC 8288 Link headers (lib/paging/parse-link-header.ts): what counts as the next link. */
import assert from 'node:assert/strict';
import { nextLinkFromHeader, parseLinkHeader } from '../../lib/paging/parse-link-header';

describe('paging: Link header', () => {
  it('parses quoted commas, rel lists, case-insensitive parameter names', () => {
    assert.deepEqual(parseLinkHeader('<https://a/x?a=1,2>; rel="next last"; title="a, b", <https://a/y>; REL=prev'), [
      { href: 'https://a/x?a=1,2', rel: ['next', 'last'] },
      { href: 'https://a/y', rel: ['prev'] },
    ]);
  });

  const NEXT: [string, string | string[] | undefined, string | undefined][] = [
    ['several headers, rel in upper case', ['</a>; rel=prev', '</b>; rel=NEXT'], '/b'],
    ['no next relation', '</a>; rel="prev"', undefined],
    ['no header', undefined, undefined],
    ['garbage', 'garbage', undefined],
    ['only the first rel parameter counts', '</a>; rel="previous"; rel="next"', undefined],
  ];
  for (const [name, header, next] of NEXT) {
    it(`next link: ${name}`, () => assert.equal(nextLinkFromHeader(header), next));
  }
});
