/**
 * Any column name is an ordinary property of a row: `__proto__` (from the node's columns or a
 * key of the response) never sets the row's prototype, and `constructor`, `toString` and
 * `hasOwnProperty` are columns like any other. In the extractor and through a grid node.
 */
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { RowExtractor } from '../../lib/extract/row-extractor';
import { PagingPlan } from '../../lib/paging/paging-plan';
import { nextLinkFromHeader } from '../../lib/paging/parse-link-header';
import { startApi } from '../support/loopback-server';
import { flowWith, helper, load, nextMessage, useNodeRed } from '../support/node-red';

/** A response row as JSON.parse gives it: `__proto__` is an own key there. */
const BODY =
  '[{"__proto__":{"polluted":true,"id":"from proto"},"constructor":"c","toString":"t","hasOwnProperty":"h","id":1}]';
const NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'id'];

function assertOrdinaryRow(row: unknown): void {
  assert.equal(Object.getPrototypeOf(row), Object.prototype, 'the row keeps the plain object prototype');
  const record = row as Record<string, unknown>;
  assert.deepEqual(Object.keys(record), NAMES);
  assert.ok(Object.hasOwn(record, '__proto__'));
  assert.deepEqual(Object.getOwnPropertyDescriptor(record, '__proto__')?.value, { polluted: true, id: 'from proto' });
  assert.equal(record.polluted, undefined, 'nothing is inherited from API data');
  assert.equal(record.constructor, 'c');
  assert.equal(Object.getOwnPropertyDescriptor(record, 'toString')?.value, 't');
  assert.equal(record.id, 1);
  assert.equal(
    JSON.stringify(row),
    '{"__proto__":{"polluted":true,"id":"from proto"},"constructor":"c","toString":"t","hasOwnProperty":"h","id":1}',
  );
}

describe('extract: column names that are Object.prototype names', function () {
  const doc: unknown = JSON.parse(BODY);

  it('configured columns named __proto__, constructor, toString, hasOwnProperty are own properties', function () {
    const columns = NAMES.map((name) => ({ name, path: '' }));
    const [row] = new RowExtractor({ rowsPath: '$', columns, format: 'objects' }).extract(doc);
    assertOrdinaryRow(row);
  });

  it('the same with explicit paths ($["__proto__"], @.constructor)', function () {
    const columns = [
      { name: '__proto__', path: '$["__proto__"]' },
      { name: 'constructor', path: '@.constructor' },
      { name: 'toString', path: 'toString' },
      { name: 'hasOwnProperty', path: '$.hasOwnProperty' },
      { name: 'id', path: 'id' },
    ];
    const [row] = new RowExtractor({ rowsPath: '$', columns, format: 'objects' }).extract(doc);
    assertOrdinaryRow(row);
  });

  it('a column named __proto__ with a path to another key is still only a property', function () {
    const [row] = new RowExtractor({
      rowsPath: '$',
      columns: [{ name: '__proto__', path: 'constructor' }],
      format: 'objects',
    }).extract(doc);
    assert.equal(Object.getPrototypeOf(row), Object.prototype);
    assert.deepEqual(Object.getOwnPropertyDescriptor(row, '__proto__')?.value, 'c');
  });

  it('a row with no such key gets null, not an inherited Object.prototype member', function () {
    const [row] = new RowExtractor({
      rowsPath: '$',
      columns: [
        { name: 'constructor', path: '' },
        { name: 'toString', path: 'toString' },
      ],
      format: 'objects',
    }).extract([{ id: 1 }]);
    assert.deepEqual(Object.entries(row as object), [
      ['constructor', null],
      ['toString', null],
    ]);
  });

  it('format arrays infers __proto__ as a column from the first row', function () {
    const table = new RowExtractor({ rowsPath: '$', columns: [], format: 'arrays' }).table();
    const rows = table.extract(doc);
    assert.deepEqual(table.columnNames(), NAMES);
    assert.deepEqual(rows, [[{ polluted: true, id: 'from proto' }, 'c', 't', 'h', 1]]);
  });

  it('paging: a page parameter named __proto__ or constructor goes into the query', function () {
    const plan = new PagingPlan({
      paging: 'page',
      pageParam: '__proto__',
      pageSizeParam: 'constructor',
      pageSize: 10,
      nextPath: '',
      maxPages: 5,
    });
    const { query } = plan.firstRequest();
    assert.equal(Object.getPrototypeOf(query), Object.prototype);
    assert.deepEqual(Object.entries(query), [
      ['constructor', 10],
      ['__proto__', 1],
    ]);
  });

  it('a Link header parameter named __proto__ is just a parameter', function () {
    assert.equal(nextLinkFromHeader('<https://h/p2>; __proto__="x"; rel="next"'), 'https://h/p2');
    assert.equal(nextLinkFromHeader('<https://h/p2>; constructor=1; rel=next'), 'https://h/p2');
  });
});

describe('nodes: a grid node with columns named __proto__ and constructor', function () {
  let api: Awaited<ReturnType<typeof startApi>>;
  useNodeRed();

  before(async () => {
    api = await startApi({
      'GET /rows': (_req: unknown, res: ServerResponse) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(BODY);
      },
    });
  });
  after(() => api.close());

  it('configured columns: msg.payload rows carry them as ordinary properties', async function () {
    await load(
      flowWith({
        connection: { baseUrl: api.url },
        node: { path: '/rows', columns: NAMES.map((name) => ({ name, path: '' })) },
      }),
    );
    const out = nextMessage('out');
    helper.getNode('restNode').receive({ payload: 1 });
    const msg = (await out) as { payload: unknown[] };
    assertOrdinaryRow(msg.payload[0]);
  });

  it('no columns, split: the response row goes out as it came, __proto__ an own key', async function () {
    await load(flowWith({ connection: { baseUrl: api.url }, node: { path: '/rows', split: true } }));
    const out = nextMessage('out');
    helper.getNode('restNode').receive({ payload: 1 });
    const msg = (await out) as { payload: unknown };
    assertOrdinaryRow(msg.payload);
  });
});
