/**
 * Paging through a deployed flow: execute-rest-grid against a loopback API, for every paging
 * mode, every stop condition, the loop guards (identical pages, maxPages), split streaming
 * rebuilt by a join node, and the errors a catch node gets (foreign next link, failing page).
 * The modes and stop conditions are a table of cases, as in test/paging/pages.test.ts.
 */
import assert from 'node:assert/strict';
import {
  flowWith,
  helper,
  load,
  messages,
  nextCaught,
  nextMessage,
  rowsOf,
  silence,
  useNodeRed,
  type Msg,
} from '../support/node-red';
import { json, startApi, type LoopbackServer } from '../support/loopback-server';

const ITEMS = Array.from({ length: 12 }, (_, i) => ({ id: i + 1 }));
const ALL_IDS = ITEMS.map((item) => item.id);
const ids = (msg: Msg): unknown[] => rowsOf(msg).map((row) => row.id);
const number = (value: string | undefined, fallback: number) => (value === undefined ? fallback : Number(value));
const cursorOf = (start: number) => Buffer.from(String(start)).toString('base64url');

interface FlowPagingCase {
  name: string;
  /** The grid node's settings; `path` is under the API's /v1. */
  node: { path: string; [setting: string]: unknown };
  ids: number[];
  /** What each request asked for: one query parameter, or the whole query. */
  requested: { param: string; values: (string | undefined)[] } | { queries: Record<string, string>[] };
  /** The response URL the message carries, under the API's URL. */
  responseUrl?: string;
  /** Each warning, in order (none when absent). */
  warnings?: RegExp[];
}

const CASES: FlowPagingCase[] = [
  {
    name: 'every mode: nextUrl with relative links, resolved against each page URL',
    node: { path: '/relative', rowsPath: '$.items', paging: 'nextUrl', nextPath: '$.links.next' },
    ids: ALL_IDS,
    requested: { param: 'start', values: [undefined, '5', '10'] },
    responseUrl: '/v1/relative?start=10',
  },
  {
    name: 'every mode: nextUrl with absolute links, stopping where the last page has no next link',
    node: { path: '/absolute', rowsPath: '$.items', paging: 'nextUrl', nextPath: '$.next' },
    ids: ALL_IDS,
    requested: { param: 'start', values: [undefined, '5', '10'] },
  },
  {
    name: 'every mode: linkHeader follows rel="next" until there is none',
    node: { path: '/linked', rowsPath: '$', paging: 'linkHeader' },
    ids: ALL_IDS,
    requested: { param: 'p', values: [undefined, '2', '3'] },
  },
  {
    name: 'every mode: offset with pageSizeParam: offsets 0, 5, 10 and a short page ends it',
    node: {
      path: '/offset',
      rowsPath: '$.data',
      paging: 'offset',
      pageParam: 'offset',
      pageSizeParam: 'limit',
      pageSize: 5,
    },
    ids: ALL_IDS,
    requested: {
      queries: [
        { limit: '5', offset: '0' },
        { limit: '5', offset: '5' },
        { limit: '5', offset: '10' },
      ],
    },
  },
  {
    name: 'every mode: page numbers start at 1',
    node: { path: '/paged', rowsPath: '$.data', paging: 'page', pageParam: 'page', pageSizeParam: 'size', pageSize: 5 },
    ids: ALL_IDS,
    requested: { param: 'page', values: ['1', '2', '3'] },
  },
  {
    name: 'every mode: cursor: none on the first request, then the cursor from the body until it is null',
    node: {
      path: '/cursor',
      rowsPath: '$.results',
      paging: 'cursor',
      nextPath: '$.meta.next_cursor',
      pageParam: 'cursor',
    },
    ids: ALL_IDS,
    requested: { param: 'cursor', values: [undefined, cursorOf(5), cursorOf(10)] },
  },
  {
    name: 'stops on an empty page when no page size is sent',
    node: { path: '/paged', rowsPath: '$.data', paging: 'page', pageParam: 'page' },
    ids: ALL_IDS,
    // Page 4 is empty: the end.
    requested: { param: 'page', values: ['1', '2', '3', '4'] },
  },
  {
    name: 'an API that ignores the page parameter: stops with a warning and emits the rows once',
    node: { path: '/ignores-paging', rowsPath: '$', paging: 'page', pageParam: 'page' },
    ids: [1, 2, 3, 4, 5],
    requested: { param: 'page', values: ['1', '2'] },
    warnings: [/identical/],
  },
  {
    name: 'maxPages cuts the result with a warning',
    node: { path: '/endless', rowsPath: '$.data', paging: 'page', pageParam: 'page', maxPages: 3 },
    ids: [1, 2, 3],
    // No fourth request.
    requested: { param: 'page', values: ['1', '2', '3'] },
    warnings: [/maxPages/],
  },
];

/** What the tests read of a sinon spy call on Node.prototype.warn. */
interface WarnCall {
  thisValue?: { id?: string };
  args: unknown[];
}

describe('execute-rest-grid paging in a flow', function () {
  let api: LoopbackServer;
  let other: LoopbackServer;
  useNodeRed();

  before(async () => {
    other = await startApi({ 'GET /v1/steal': { items: [{ id: 'stolen' }] } });
    api = await startApi({
      // nextUrl, relative links of two shapes: a sibling path and a dot-segment path.
      'GET /v1/relative': (_req, res, { query }) => {
        const start = number(query.start, 0);
        const end = start + 5;
        const shapes = [`relative?start=${end}`, `../v1/relative?start=${end}`];
        json(res, 200, {
          items: ITEMS.slice(start, end),
          links: { next: end < ITEMS.length ? shapes[(start / 5) % 2] : null },
        });
      },
      // nextUrl, absolute links; the last page has no `next` at all.
      'GET /v1/absolute': (_req, res, { query }) => {
        const start = number(query.start, 0);
        const end = start + 5;
        const body: { items: object[]; next?: string } = { items: ITEMS.slice(start, end) };
        if (end < ITEMS.length) body.next = `${api.url}/v1/absolute?start=${end}`;
        json(res, 200, body);
      },
      // RFC 8288 Link header with several relations.
      'GET /v1/linked': (_req, res, { query }) => {
        const p = number(query.p, 1);
        const links = ['</v1/linked?p=1>; rel="first"'];
        if (p < 3) links.push(`</v1/linked?p=${p + 1}>; rel="next"`);
        json(res, 200, ITEMS.slice((p - 1) * 5, p * 5), { link: links.join(', ') });
      },
      'GET /v1/offset': (_req, res, { query }) => {
        const offset = number(query.offset, 0);
        json(res, 200, { data: ITEMS.slice(offset, offset + number(query.limit, 10)) });
      },
      'GET /v1/paged': (_req, res, { query }) => {
        const page = number(query.page, 0);
        const size = number(query.size, 5);
        json(res, 200, { data: page < 1 ? [] : ITEMS.slice((page - 1) * size, page * size) });
      },
      'GET /v1/cursor': (_req, res, { query }) => {
        const start = query.cursor === undefined ? 0 : Number(Buffer.from(query.cursor, 'base64url').toString());
        const end = start + 5;
        const cursor = end < ITEMS.length ? cursorOf(end) : null;
        json(res, 200, { results: ITEMS.slice(start, end), meta: { next_cursor: cursor } });
      },
      // Ignores every paging parameter: always the first five rows.
      'GET /v1/ignores-paging': (_req, res) => json(res, 200, ITEMS.slice(0, 5)),
      'GET /v1/endless': (_req, res, { query }) => json(res, 200, { data: [{ id: number(query.page, 1) }] }),
      'GET /v1/five-pages': (_req, res, { query }) => {
        const page = number(query.page, 1);
        const rows = page <= 5 ? [1, 2, 3].map((n) => ({ id: `${page}.${n}`, page })) : [];
        json(res, 200, { rows });
      },
      'GET /v1/foreign-next': (_req, res) => {
        json(res, 200, { items: [{ id: 1 }], next: `${other.url}/v1/steal` });
      },
      'GET /v1/fails-on-3': (_req, res, { query }) => {
        const page = number(query.page, 1);
        if (page === 3) json(res, 500, { error: 'database on fire' });
        else json(res, 200, { items: [{ id: page }] });
      },
    });
  });

  after(async () => {
    await api.close();
    await other.close();
  });

  beforeEach(() => {
    api.requests.length = 0;
    other.requests.length = 0;
  });

  const flow = (node: object, extra?: object[]) =>
    flowWith({ connection: { baseUrl: `${api.url}/v1`, retries: 0 }, node: { method: 'GET', ...node }, extra });
  const requestsTo = (path: string) => api.requests.filter((request) => request.path === path);
  /** The warnings restNode logged (node-red-node-test-helper spies on Node.prototype.warn). */
  const warnings = () =>
    helper
      .getNode('restNode')
      .warn.getCalls()
      .filter((call) => (call as WarnCall).thisValue?.id === 'restNode')
      .map((call) => String(call.args[0]));

  async function resultOf(node: object): Promise<Msg> {
    await load(flow(node));
    const out = nextMessage('out');
    helper.getNode('restNode').receive({ payload: 'go' });
    return out;
  }

  for (const c of CASES) {
    it(c.name, async () => {
      const msg = await resultOf(c.node);
      assert.deepEqual(ids(msg), c.ids);
      assert.equal(msg.rowCount, c.ids.length);
      const requests = requestsTo(`/v1${c.node.path}`);
      if ('queries' in c.requested) {
        assert.deepEqual(
          requests.map((request) => request.query),
          c.requested.queries,
        );
      } else {
        const { param } = c.requested;
        assert.deepEqual(
          requests.map((request) => request.query[param]),
          c.requested.values,
        );
      }
      if (c.responseUrl)
        assert.equal(msg.responseUrl, `${api.url}${c.responseUrl}`, 'the last page is the response URL');
      const warned = warnings();
      const expected = c.warnings ?? [];
      assert.equal(warned.length, expected.length, `warnings: ${JSON.stringify(warned)}`);
      expected.forEach((pattern, i) => assert.match(warned[i] ?? '', pattern));
    });
  }

  it('split streams the rows of 5 pages and a join node rebuilds exactly that row set', async () => {
    const expected: { id: string; page: number }[] = [];
    for (let page = 1; page <= 5; page++) for (let n = 1; n <= 3; n++) expected.push({ id: `${page}.${n}`, page });
    await load(
      flow(
        {
          path: '/five-pages',
          rowsPath: '$.rows',
          paging: 'page',
          pageParam: 'page',
          split: true,
          wires: [['rows', 'joiner']],
        },
        [
          { id: 'rows', type: 'helper', z: 'tab' },
          { id: 'joiner', type: 'join', z: 'tab', mode: 'auto', build: 'array', wires: [['joined']] },
          { id: 'joined', type: 'helper', z: 'tab' },
        ],
      ),
    );
    const each = messages('rows', 15);
    const joined = nextMessage('joined');
    helper.getNode('restNode').receive({ topic: 'five' });
    const parts = await each;
    assert.deepEqual(
      parts.map((msg) => msg.parts?.index),
      [...Array(15).keys()],
    );
    assert.equal(parts[14]?.parts?.count, 15);
    const msg = await joined;
    assert.deepEqual(msg.payload, expected);
    assert.equal(msg.topic, 'five');
    assert.equal(requestsTo('/v1/five-pages').length, 6, 'five pages and the empty sixth');
    await silence('joined', 200);
  });

  it('refuses a next link to another origin with ERR_ORIGIN, and the other server sees nothing', async () => {
    await load(flow({ path: '/foreign-next', rowsPath: '$.items', paging: 'nextUrl', nextPath: '$.next' }));
    const caught = nextCaught('caught');
    const out = silence('out', 500);
    helper.getNode('restNode').receive({ payload: 'go', keep: 'me' });
    const msg = await caught;
    assert.equal(msg.error.code, 'ERR_ORIGIN');
    assert.match(msg.error.message, /page 2/);
    assert.equal(msg.keep, 'me');
    await out;
    assert.equal(other.requests.length, 0, 'no request reached the other origin');
    assert.equal(requestsTo('/v1/foreign-next').length, 1);
  });

  it('a failure on page 3 reaches the catch node with the page, the status and the input kept', async () => {
    await load(flow({ path: '/fails-on-3', rowsPath: '$.items', paging: 'page', pageParam: 'page' }));
    const caught = nextCaught('caught');
    const out = silence('out', 500);
    helper.getNode('restNode').receive({ payload: 'go', topic: 'report', custom: { a: 1 } });
    const msg = await caught;
    assert.equal(msg.error.code, 'ERR_HTTP_STATUS');
    assert.match(msg.error.message, /page 3/);
    assert.equal(msg.page, 3);
    assert.equal(msg.statusCode, 500);
    assert.match(msg.responseBody ?? '', /database on fire/);
    assert.equal(msg.topic, 'report');
    assert.deepEqual(msg.custom, { a: 1 });
    assert.equal(msg.payload, 'go', 'no partial rows replace the payload');
    await out;
    assert.deepEqual(
      requestsTo('/v1/fails-on-3').map((request) => request.query.page),
      ['1', '2', '3'],
      'a 500 is not retried and ends paging',
    );
  });
});
