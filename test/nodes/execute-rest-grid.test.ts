import assert from 'node:assert/strict';
import {
  flowWith,
  helper,
  load,
  messages,
  nextMessage,
  rowsOf,
  statuses,
  useNodeRed,
  type Msg,
} from '../support/node-red';
import { startApi, json, type LoopbackServer } from '../support/loopback-server';

const USERS = [
  { id: 1, name: 'Ada', contact: { email: 'ada@example.com' }, tags: ['a'] },
  { id: 2, name: 'Bob', contact: { email: 'bob@example.com' }, tags: [] },
  { id: 3, name: 'Cy', contact: {}, tags: ['c', 'd'] },
];

describe('execute-rest-grid', function () {
  let api: LoopbackServer;
  useNodeRed();
  before(async () => {
    api = await startApi({
      'GET /v1/users': { data: { users: USERS } },
      'GET /v1/user': { id: 9, name: 'Solo' },
      'GET /v1/bare': USERS,
      'GET /v1/empty': { data: { users: [] } },
    });
  });
  after(() => api.close());

  const flow = (node: object = {}) =>
    flowWith({
      connection: { baseUrl: `${api.url}/v1` },
      node: { method: 'GET', path: '/users', rowsPath: '$.data.users[*]', ...node },
    });

  it('emits the rows picked by rowsPath, with status, headers, URL and rowCount', async () => {
    await load(flow());
    const out = nextMessage('out');
    helper.getNode('restNode').receive({ payload: 'go', keep: 'me' });
    const msg = await out;
    assert.deepEqual(msg.payload, USERS);
    assert.equal(msg.rowCount, 3);
    assert.equal(msg.statusCode, 200);
    assert.equal(msg.headers?.['content-type'], 'application/json');
    assert.equal(msg.responseUrl, `${api.url}/v1/users`);
    assert.equal(msg.keep, 'me', 'other input properties survive');
    assert.deepEqual(statuses('restNode').at(-1), { fill: 'green', shape: 'dot', text: '200 · 3 rows' });
  });

  it('takes an array response as the rows with the default rowsPath $', async () => {
    await load(flow({ path: '/bare', rowsPath: '$' }));
    const out = nextMessage('out');
    helper.getNode('restNode').receive({});
    assert.deepEqual((await out).payload, USERS);
  });

  it('takes an object response as one row', async () => {
    await load(flow({ path: '/user', rowsPath: '$' }));
    const out = nextMessage('out');
    helper.getNode('restNode').receive({});
    const msg = await out;
    assert.deepEqual(msg.payload, [{ id: 9, name: 'Solo' }]);
    assert.equal(msg.rowCount, 1);
  });

  it('shapes rows by columns, with null where a column path matches nothing', async () => {
    await load(
      flow({
        columns: [
          { name: 'id', path: '$.id' },
          { name: 'email', path: '$.contact.email' },
          { name: 'firstTag', path: '$.tags[0]' },
        ],
      }),
    );
    const out = nextMessage('out');
    helper.getNode('restNode').receive({});
    assert.deepEqual((await out).payload, [
      { id: 1, email: 'ada@example.com', firstTag: 'a' },
      { id: 2, email: 'bob@example.com', firstTag: null },
      { id: 3, email: null, firstTag: 'c' },
    ]);
  });

  it('outputs arrays in column order and sets msg.columns', async () => {
    await load(
      flow({
        format: 'arrays',
        columns: [
          { name: 'name', path: '$.name' },
          { name: 'id', path: '$.id' },
        ],
      }),
    );
    const out = nextMessage('out');
    helper.getNode('restNode').receive({});
    const msg = await out;
    assert.deepEqual(msg.columns, ['name', 'id']);
    assert.deepEqual(msg.payload, [
      ['Ada', 1],
      ['Bob', 2],
      ['Cy', 3],
    ]);
  });

  it('writes the rows to outputProperty and leaves msg.payload alone', async () => {
    await load(flow({ outputProperty: 'result.rows' }));
    const out = nextMessage('out');
    helper.getNode('restNode').receive({ payload: 'untouched' });
    const msg = await out;
    assert.equal(msg.payload, 'untouched');
    assert.equal((msg.result as { rows: unknown[] }).rows.length, 3);
  });

  it('emits an empty array and rowCount 0 for no rows', async () => {
    await load(flow({ path: '/empty' }));
    const out = nextMessage('out');
    helper.getNode('restNode').receive({});
    const msg = await out;
    assert.deepEqual(msg.payload, []);
    assert.equal(msg.rowCount, 0);
  });

  it('splits into one message per row with msg.parts, and a join node in auto mode rebuilds the rows', async () => {
    await load([
      ...flow({ split: true, wires: [['rows', 'joiner']] }),
      { id: 'rows', type: 'helper', z: 'tab' },
      { id: 'joiner', type: 'join', z: 'tab', mode: 'auto', build: 'array', wires: [['joined']] },
      { id: 'joined', type: 'helper', z: 'tab' },
    ]);
    const each = messages('rows', 3);
    const joined = nextMessage('joined');
    helper.getNode('restNode').receive({ topic: 't' });
    const parts = await each;
    const partsOf = (m: Msg) => m.parts ?? assert.fail('msg.parts is missing');
    assert.deepEqual(
      parts.map((m) => m.payload),
      USERS,
    );
    assert.deepEqual(
      parts.map((m) => partsOf(m).index),
      [0, 1, 2],
    );
    assert.equal(new Set(parts.map((m) => partsOf(m).id)).size, 1, 'one parts id for the set');
    assert.equal(parts[2]?.parts?.count, 3);
    assert.equal(parts[2]?.rowCount, 3);
    assert.equal(parts[0]?.topic, 't');
    const msg = await joined;
    assert.deepEqual(msg.payload, USERS);
  });

  it('splits rows into outputProperty, and join rebuilds that property', async () => {
    await load([
      ...flow({ split: true, outputProperty: 'row', wires: [['joiner']] }),
      { id: 'joiner', type: 'join', z: 'tab', mode: 'auto', build: 'array', wires: [['joined']] },
      { id: 'joined', type: 'helper', z: 'tab' },
    ]);
    const joined = nextMessage('joined');
    helper.getNode('restNode').receive({});
    assert.deepEqual((await joined).row, USERS);
  });

  it('follows pages (nextUrl) and concatenates their rows', async () => {
    api.routes['GET /v1/pages'] = (_req, res, record) => {
      const page = Number(record.query.page || 1);
      json(res, 200, {
        items: [{ n: page * 10 + 1 }, { n: page * 10 + 2 }],
        next: page < 3 ? `pages?page=${page + 1}` : null,
      });
    };
    await load(flow({ path: '/pages', rowsPath: '$.items', paging: 'nextUrl', nextPath: '$.next' }));
    const out = nextMessage('out');
    helper.getNode('restNode').receive({});
    const msg = await out;
    assert.deepEqual(
      rowsOf(msg).map((r) => r.n),
      [11, 12, 21, 22, 31, 32],
    );
    assert.equal(msg.rowCount, 6);
  });

  it('streams pages with split: rows of every page, count on the last message only', async () => {
    api.routes['GET /v1/pages'] = (_req, res, record) => {
      const page = Number(record.query.page || 1);
      json(res, 200, { items: page <= 2 ? [{ n: page }] : [], next: page < 3 ? `pages?page=${page + 1}` : null });
    };
    await load([
      ...flow({
        path: '/pages',
        rowsPath: '$.items',
        paging: 'nextUrl',
        nextPath: '$.next',
        split: true,
        wires: [['joiner', 'rows']],
      }),
      { id: 'rows', type: 'helper', z: 'tab' },
      { id: 'joiner', type: 'join', z: 'tab', mode: 'auto', build: 'array', wires: [['joined']] },
      { id: 'joined', type: 'helper', z: 'tab' },
    ]);
    const each = messages('rows', 2);
    const joined = nextMessage('joined');
    helper.getNode('restNode').receive({});
    const parts = await each;
    assert.ok(parts[0]?.parts && parts[1]?.parts, 'both rows carry msg.parts');
    assert.equal(parts[0].parts.count, undefined);
    assert.equal(parts[1].parts.count, 2);
    assert.deepEqual((await joined).payload, [{ n: 1 }, { n: 2 }]);
  });
});
