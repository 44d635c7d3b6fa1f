'use strict';
const assert = require('node:assert/strict');
const http = require('node:http');
const { RestError } = require('../dist/lib/errors');
const { RowExtractor } = require('../dist/lib/extract/row-extractor');
const { pages } = require('../dist/lib/paging/pages');
const { PagingPlan } = require('../dist/lib/paging/paging-plan');
const { nextLinkFromHeader, parseLinkHeader } = require('../dist/lib/paging/parse-link-header');
const { splitRows } = require('../dist/lib/paging/split-rows');
const { collectRows } = require('../dist/lib/paging/collect-rows');

const ITEMS = Array.from({ length: 25 }, (_, i) => ({ id: i + 1 }));
const ids = (rows) => rows.map((row) => row.id);
const ALL_IDS = ids(ITEMS);

/** An API with one endpoint per paging style; `hits` records every request path. */
function createApi() {
  const hits = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const q = url.searchParams;
    hits.push(req.url);
    const json = (body, headers = {}) => {
      res.writeHead(200, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    const num = (name, fallback) => (q.has(name) ? Number(q.get(name)) : fallback);
    switch (url.pathname) {
      case '/offset': {
        // Page size defaults to 10 when the client sends none.
        const offset = num('offset', 0);
        return json(ITEMS.slice(offset, offset + num('limit', 10)));
      }
      case '/page': {
        const size = num('size', 10);
        const page = num('page', 1);
        return json({ data: ITEMS.slice((page - 1) * size, page * size), page });
      }
      case '/v1/next': {
        const start = num('start', 0);
        const size = num('size', 10);
        const end = start + size;
        let next = null;
        if (end < ITEMS.length) {
          // Relative links of several shapes: query-only, dot-segment, absolute path.
          const shapes = [
            `?start=${end}&size=${size}`,
            `../v1/next?start=${end}&size=${size}`,
            `/v1/next?start=${end}&size=${size}`,
          ];
          next = shapes[(start / size) % shapes.length];
        }
        return json({ items: ITEMS.slice(start, end), links: { next } });
      }
      case '/absolute-next': {
        const start = num('start', 0);
        const end = start + 10;
        const next = end < ITEMS.length ? `http://${req.headers.host}/absolute-next?start=${end}` : '';
        return json({ items: ITEMS.slice(start, end), next });
      }
      case '/linked': {
        const p = num('p', 1);
        const last = Math.ceil(ITEMS.length / 10);
        const links = [`</linked?p=1>; rel="first"`, `</linked?p=${last}>; rel="last"`];
        if (p > 1) links.push(`</linked?p=${p - 1}>; rel="prev"`);
        // The next link shares a rel list with another relation, and comes after others.
        if (p < last) links.push(`<linked?p=${p + 1}&a=1,2>; title="next, please"; rel="next nofollow"`);
        return json(ITEMS.slice((p - 1) * 10, p * 10), { link: links.join(', ') });
      }
      case '/cursor': {
        const start = q.has('cursor') ? Number(Buffer.from(q.get('cursor'), 'base64url').toString()) : 0;
        const end = start + num('limit', 10);
        const cursor = end < ITEMS.length ? Buffer.from(String(end)).toString('base64url') : null;
        return json({ results: ITEMS.slice(start, end), meta: { next_cursor: cursor } });
      }
      case '/ignores-paging':
        return json(ITEMS.slice(0, 10));
      case '/self-link':
        return json({ items: ITEMS.slice(0, 10), next: '/self-link' });
      case '/endless': {
        const page = num('page', 1);
        return json({ data: [{ id: page }] });
      }
      case '/fails-on-3': {
        const page = num('page', 1);
        if (page === 3) {
          res.writeHead(500, { 'content-type': 'application/json' });
          return res.end('{"error":"database down"}');
        }
        return json(ITEMS.slice((page - 1) * 10, page * 10));
      }
      case '/not-json-on-2': {
        const page = num('page', 1);
        if (page === 2) {
          res.writeHead(200, { 'content-type': 'text/html' });
          return res.end('<html>maintenance</html>');
        }
        return json(ITEMS.slice(0, 10));
      }
      case '/bad-next':
        return json({ items: [{ id: 1 }], next: { href: '/x' } });
      case '/cross-origin':
        return json({ items: ITEMS.slice(0, 10), next: `${req.headers['x-other-origin']}/offset` });
      default:
        res.writeHead(404);
        return res.end();
    }
  });
  return { server, hits };
}

function listen(server) {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`)),
  );
}

/** A fetchPage over Node's fetch, shaped like the client: links resolve against their base. */
function fetcher(baseUrl, path, headers = {}) {
  const requested = [];
  const fetchPage = async (request, pageNumber) => {
    const url = request.link ? new URL(request.link.href, request.link.base) : new URL(path, baseUrl);
    for (const [name, value] of Object.entries(request.query)) url.searchParams.set(name, String(value));
    requested.push({ page: pageNumber, url: url.href });
    const res = await fetch(url, { headers });
    const body = Buffer.from(await res.arrayBuffer());
    const responseHeaders = Object.fromEntries(res.headers.entries());
    if (res.status >= 400) {
      throw new RestError('ERR_HTTP_STATUS', `HTTP ${res.status} from ${url.pathname}`, {
        statusCode: res.status,
        headers: responseHeaders,
        responseBody: body.toString(),
      });
    }
    return {
      url: res.url,
      headers: responseHeaders,
      body,
      json() {
        try {
          return JSON.parse(body.toString());
        } catch {
          throw new RestError('ERR_NOT_JSON', `the response of ${url.pathname} is not JSON`);
        }
      },
    };
  };
  return { fetchPage, requested };
}

const { gridDefaults } = require('../dist/lib/definitions');

/** The grid node's documented defaults (paging: none, maxPages 100, ...): tests override what they need. */
const PAGING_DEFAULTS = gridDefaults;

async function run(baseUrl, path, paging, rowsPath = '$', headers) {
  const { fetchPage, requested } = fetcher(baseUrl, path, headers);
  const warnings = [];
  const extractor = new RowExtractor({ rowsPath, columns: [], format: 'objects' });
  const plan = new PagingPlan({ ...PAGING_DEFAULTS, ...paging });
  const got = [];
  for await (const page of pages(plan, fetchPage, extractor.table(), (text) => warnings.push(text))) got.push(page);
  return { pages: got, rows: got.flatMap((page) => page.rows), warnings, requested };
}

async function runError(baseUrl, path, paging, rowsPath = '$', headers) {
  try {
    await run(baseUrl, path, paging, rowsPath, headers);
  } catch (err) {
    return err;
  }
  assert.fail('paging should have failed');
}

describe('paging against a loopback API', () => {
  let api;
  let other;
  let baseUrl;
  let otherUrl;

  before(async () => {
    api = createApi();
    other = createApi();
    baseUrl = await listen(api.server);
    otherUrl = await listen(other.server);
  });

  after(() => {
    api.server.close();
    other.server.close();
    api.server.closeAllConnections();
    other.server.closeAllConnections();
  });

  describe('offset', () => {
    it('gets all rows, advancing the offset by rows received', async () => {
      const result = await run(baseUrl, '/offset', {
        paging: 'offset',
        pageParam: 'offset',
        pageSizeParam: 'limit',
        pageSize: 10,
      });
      assert.deepEqual(ids(result.rows), ALL_IDS);
      assert.deepEqual(
        result.requested.map((r) => new URL(r.url).search),
        ['?limit=10&offset=0', '?limit=10&offset=10', '?limit=10&offset=20'],
      );
      assert.deepEqual(result.warnings, []);
    });

    it('stops on a short page without asking for another', async () => {
      const result = await run(baseUrl, '/offset', {
        paging: 'offset',
        pageParam: 'offset',
        pageSizeParam: 'limit',
        pageSize: 12,
      });
      assert.equal(result.rows.length, 25);
      assert.equal(result.pages.length, 3);
      assert.equal(result.requested.length, 3);
    });

    it('without a page size parameter, stops on the empty page', async () => {
      const result = await run(baseUrl, '/offset', { paging: 'offset', pageParam: 'offset' });
      assert.deepEqual(ids(result.rows), ALL_IDS);
      assert.deepEqual(
        result.requested.map((r) => new URL(r.url).searchParams.get('offset')),
        ['0', '10', '20', '25'],
      );
      assert.equal(result.pages.at(-1).rows.length, 0);
    });

    it('an exact multiple of the page size ends on the empty page', async () => {
      const result = await run(baseUrl, '/offset', {
        paging: 'offset',
        pageParam: 'offset',
        pageSizeParam: 'limit',
        pageSize: 5,
      });
      assert.equal(result.rows.length, 25);
      assert.equal(result.requested.length, 6);
    });
  });

  describe('page', () => {
    it('gets all rows with page numbers from 1', async () => {
      const result = await run(
        baseUrl,
        '/page',
        { paging: 'page', pageParam: 'page', pageSizeParam: 'size', pageSize: 10 },
        '$.data',
      );
      assert.deepEqual(ids(result.rows), ALL_IDS);
      assert.deepEqual(
        result.requested.map((r) => new URL(r.url).searchParams.get('page')),
        ['1', '2', '3'],
      );
      assert.deepEqual(
        result.pages.map((p) => p.page),
        [1, 2, 3],
      );
    });

    it('maxPages cuts the result with a warning', async () => {
      const result = await run(
        baseUrl,
        '/page',
        { paging: 'page', pageParam: 'page', pageSizeParam: 'size', pageSize: 10, maxPages: 2 },
        '$.data',
      );
      assert.equal(result.rows.length, 20);
      assert.equal(result.requested.length, 2);
      assert.equal(result.warnings.length, 1);
      assert.match(result.warnings[0], /stopped after 2 pages \(maxPages\).*cut/);
    });

    it('maxPages equal to the real page count gives no warning', async () => {
      const result = await run(
        baseUrl,
        '/page',
        { paging: 'page', pageParam: 'page', pageSizeParam: 'size', pageSize: 10, maxPages: 3 },
        '$.data',
      );
      assert.equal(result.rows.length, 25);
      assert.deepEqual(result.warnings, []);
    });

    it('an API that ignores the page parameter: stops at the repeated page with a warning', async () => {
      const result = await run(baseUrl, '/ignores-paging', { paging: 'page', pageParam: 'page' });
      assert.deepEqual(ids(result.rows), ALL_IDS.slice(0, 10));
      assert.equal(result.requested.length, 2);
      assert.equal(result.warnings.length, 1);
      assert.match(result.warnings[0], /page 2 is identical to page 1/);
    });

    it('an endless API stops at maxPages', async () => {
      const result = await run(baseUrl, '/endless', { paging: 'page', pageParam: 'page', maxPages: 7 }, '$.data');
      assert.deepEqual(ids(result.rows), [1, 2, 3, 4, 5, 6, 7]);
      assert.match(result.warnings[0], /stopped after 7 pages/);
    });
  });

  describe('nextUrl', () => {
    it('follows relative next links (query-only, dot-segments, absolute path) resolved against the page URL', async () => {
      const result = await run(
        baseUrl,
        '/v1/next',
        { paging: 'nextUrl', nextPath: '$.links.next', pageSizeParam: 'size', pageSize: 5 },
        '$.items',
      );
      assert.deepEqual(ids(result.rows), ALL_IDS);
      assert.equal(result.pages.length, 5);
      assert.deepEqual(
        result.requested.map((r) => new URL(r.url).pathname + new URL(r.url).search),
        [
          '/v1/next?size=5',
          '/v1/next?start=5&size=5',
          '/v1/next?start=10&size=5',
          '/v1/next?start=15&size=5',
          '/v1/next?start=20&size=5',
        ],
      );
    });

    it('follows absolute next links and stops on an empty link', async () => {
      const result = await run(baseUrl, '/absolute-next', { paging: 'nextUrl', nextPath: 'next' }, 'items');
      assert.deepEqual(ids(result.rows), ALL_IDS);
      assert.equal(result.requested.length, 3);
    });

    it('a next link to another origin is refused with ERR_ORIGIN before it is requested', async () => {
      const before = other.hits.length;
      const err = await runError(baseUrl, '/cross-origin', { paging: 'nextUrl', nextPath: '$.next' }, '$.items', {
        'x-other-origin': otherUrl,
      });
      assert.equal(err.code, 'ERR_ORIGIN');
      assert.equal(err.page, 2);
      assert.match(
        err.message,
        /^page 2: the next page link goes to http:\/\/127\.0\.0\.1:\d+, not http:\/\/127\.0\.0\.1/,
      );
      assert.ok(err.message.includes(otherUrl));
      assert.equal(other.hits.length, before, 'the other origin must not be contacted');
    });

    it('a next link to the page itself stops with a warning', async () => {
      const result = await run(baseUrl, '/self-link', { paging: 'nextUrl', nextPath: '$.next' }, '$.items');
      assert.equal(result.rows.length, 10);
      assert.equal(result.requested.length, 1);
      assert.match(result.warnings[0], /links to itself/);
    });

    it('a next link that is not a string -> ERR_VALUE on page 1', async () => {
      const err = await runError(baseUrl, '/bad-next', { paging: 'nextUrl', nextPath: '$.next' }, '$.items');
      assert.equal(err.code, 'ERR_VALUE');
      assert.equal(err.page, 1);
      assert.match(err.message, /^page 1: nextPath \$\.next gave \{"href":"\/x"\}, not a link/);
    });
  });

  describe('linkHeader', () => {
    it('follows rel="next" among several links and rel lists, relative to the page URL', async () => {
      const result = await run(baseUrl, '/linked', { paging: 'linkHeader' });
      assert.deepEqual(ids(result.rows), ALL_IDS);
      assert.deepEqual(
        result.requested.map((r) => new URL(r.url).search),
        ['', '?p=2&a=1,2', '?p=3&a=1,2'],
      );
    });

    it('parses RFC 8288 headers: quoted commas, unquoted rel, case, arrays of headers', () => {
      assert.deepEqual(parseLinkHeader('<https://a/x?a=1,2>; rel="next last"; title="a, b", <https://a/y>; REL=prev'), [
        { href: 'https://a/x?a=1,2', rel: ['next', 'last'] },
        { href: 'https://a/y', rel: ['prev'] },
      ]);
      assert.equal(nextLinkFromHeader(['</a>; rel=prev', '</b>; rel=NEXT']), '/b');
      assert.equal(nextLinkFromHeader('</a>; rel="prev"'), undefined);
      assert.equal(nextLinkFromHeader(undefined), undefined);
      assert.equal(nextLinkFromHeader('garbage'), undefined);
      assert.equal(nextLinkFromHeader('</a>; rel="previous"; rel="next"'), undefined, 'only the first rel counts');
    });
  });

  describe('cursor', () => {
    it('sends no cursor first, then the cursor from the body, until it is null', async () => {
      const result = await run(
        baseUrl,
        '/cursor',
        { paging: 'cursor', nextPath: '$.meta.next_cursor', pageParam: 'cursor', pageSizeParam: 'limit', pageSize: 10 },
        '$.results',
      );
      assert.deepEqual(ids(result.rows), ALL_IDS);
      const cursors = result.requested.map((r) => new URL(r.url).searchParams.get('cursor'));
      assert.deepEqual(cursors, [
        null,
        Buffer.from('10').toString('base64url'),
        Buffer.from('20').toString('base64url'),
      ]);
      assert.ok(result.requested.every((r) => new URL(r.url).searchParams.get('limit') === '10'));
    });
  });

  describe('failures on a page', () => {
    it('a 500 on page 3 -> error says page 3, keeps its code, status and body', async () => {
      const err = await runError(baseUrl, '/fails-on-3', { paging: 'page', pageParam: 'page' });
      assert.equal(err.name, 'RestError');
      assert.equal(err.code, 'ERR_HTTP_STATUS');
      assert.equal(err.page, 3);
      assert.equal(err.statusCode, 500);
      assert.match(err.message, /^page 3: HTTP 500/);
      assert.equal(err.responseBody, '{"error":"database down"}');
    });

    it('a page that is not JSON -> ERR_NOT_JSON on page 2', async () => {
      const err = await runError(baseUrl, '/not-json-on-2', { paging: 'page', pageParam: 'page' });
      assert.equal(err.code, 'ERR_NOT_JSON');
      assert.equal(err.page, 2);
      assert.match(err.message, /^page 2: /);
    });

    it('a failure that is not a RestError (connection refused) still names the page', async () => {
      const closed = http.createServer();
      const deadUrl = await listen(closed);
      closed.close();
      const err = await runError(deadUrl, '/offset', { paging: 'offset', pageParam: 'offset' });
      assert.equal(err.name, 'RestError');
      assert.equal(err.code, 'ERR_NETWORK');
      assert.equal(err.page, 1);
      assert.match(err.message, /^page 1: /);
    });

    it('with paging none an error is passed on unchanged', async () => {
      const err = await runError(baseUrl, '/missing', { paging: 'none' });
      assert.equal(err.code, 'ERR_HTTP_STATUS');
      assert.equal(err.page, undefined);
      assert.match(err.message, /^HTTP 404/);
    });
  });

  describe('paging none', () => {
    it('one request, one page, no paging parameters', async () => {
      const result = await run(baseUrl, '/offset', {});
      assert.equal(result.pages.length, 1);
      assert.equal(result.rows.length, 10);
      assert.equal(new URL(result.requested[0].url).search, '');
    });
  });

  describe('row stream', () => {
    it('split: rows arrive page by page and only the very last row is marked last', async () => {
      const { fetchPage, requested } = fetcher(baseUrl, '/offset');
      const plan = new PagingPlan({
        ...PAGING_DEFAULTS,
        paging: 'offset',
        pageParam: 'offset',
        pageSizeParam: 'limit',
        pageSize: 10,
      });
      const extractor = new RowExtractor({ rowsPath: '$', columns: [], format: 'objects' });
      const seen = [];
      const requestsWhenSeen = [];
      for await (const item of splitRows(pages(plan, fetchPage, extractor, () => {}))) {
        seen.push(item);
        requestsWhenSeen.push(requested.length);
      }
      // Rows 1-9 go out before page 2 is asked for; row 10 waits until page 2 shows it is not the last.
      assert.deepEqual(requestsWhenSeen.slice(0, 9), Array(9).fill(1));
      assert.equal(requestsWhenSeen[9], 2);
      assert.deepEqual(
        seen.map((s) => s.row.id),
        ALL_IDS,
      );
      assert.deepEqual(
        seen.map((s) => s.index),
        ALL_IDS.map((id) => id - 1),
      );
      assert.deepEqual(
        seen.filter((s) => s.last).map((s) => s.index),
        [24],
      );
      assert.equal(seen[24].page, 3);
    });

    it('split: when the last page is empty, the last row of the page before is last', async () => {
      const { fetchPage } = fetcher(baseUrl, '/offset');
      const plan = new PagingPlan({
        ...PAGING_DEFAULTS,
        paging: 'offset',
        pageParam: 'offset',
        pageSizeParam: 'limit',
        pageSize: 5,
      });
      const seen = [];
      for await (const item of splitRows(pages(plan, fetchPage, new RowExtractor({ rowsPath: '$' }), () => {})))
        seen.push(item);
      assert.equal(seen.length, 25);
      assert.equal(seen.at(-1).last, true);
      assert.equal(seen.at(-1).page, 5);
      assert.equal(seen.filter((s) => s.last).length, 1);
    });

    it('split: no rows at all yields nothing', async () => {
      async function* none() {}
      const seen = [];
      for await (const item of splitRows(none())) seen.push(item);
      assert.deepEqual(seen, []);
    });

    it('collectRows gathers every page and counts pages', async () => {
      const { fetchPage } = fetcher(baseUrl, '/page');
      const plan = new PagingPlan({
        ...PAGING_DEFAULTS,
        paging: 'page',
        pageParam: 'page',
        pageSizeParam: 'size',
        pageSize: 10,
      });
      const collected = await collectRows(pages(plan, fetchPage, new RowExtractor({ rowsPath: '$.data' }), () => {}));
      assert.deepEqual(ids(collected.rows), ALL_IDS);
      assert.equal(collected.pages, 3);
      assert.match(collected.lastResponse.url, /page=3/);
    });
  });
});

describe('paging settings', () => {
  const plan = (options) => () => new PagingPlan({ ...PAGING_DEFAULTS, ...options });
  const assertConfig = (options, code, part) =>
    assert.throws(plan(options), (err) => {
      assert.equal(err.code, code);
      assert.ok(err.message.includes(part), err.message);
      return true;
    });

  it('nextUrl and cursor need nextPath', () => {
    assertConfig({ paging: 'nextUrl' }, 'ERR_CONFIG', 'paging "nextUrl" needs nextPath');
    assertConfig({ paging: 'cursor', pageParam: 'c' }, 'ERR_CONFIG', 'paging "cursor" needs nextPath');
  });

  it('offset, page and cursor need pageParam', () => {
    assertConfig({ paging: 'offset' }, 'ERR_CONFIG', 'needs pageParam');
    assertConfig({ paging: 'page', pageParam: '  ' }, 'ERR_CONFIG', 'page number');
    assertConfig({ paging: 'cursor', nextPath: '$.next' }, 'ERR_CONFIG', 'cursor');
  });

  it('a bad nextPath -> ERR_JSONPATH naming nextPath', () => {
    assertConfig({ paging: 'nextUrl', nextPath: '$.next[' }, 'ERR_JSONPATH', 'nextPath "$.next["');
  });

  it('bad maxPages, pageSize or mode -> ERR_CONFIG', () => {
    assertConfig({ paging: 'page', pageParam: 'p', maxPages: 0 }, 'ERR_CONFIG', 'maxPages');
    assertConfig({ paging: 'page', pageParam: 'p', maxPages: 'many' }, 'ERR_CONFIG', 'maxPages');
    assertConfig({ paging: 'page', pageParam: 'p', pageSizeParam: 'size', pageSize: -5 }, 'ERR_CONFIG', 'pageSize');
    assertConfig({ paging: 'sometimes' }, 'ERR_CONFIG', 'paging must be one of');
  });

  it('paging none ignores the other settings', () => {
    assert.doesNotThrow(plan({ paging: 'none', maxPages: 0, pageSize: 'x' }));
    assert.doesNotThrow(plan({ paging: '' }));
  });
});
