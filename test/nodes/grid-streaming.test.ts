/**
 * execute-rest-grid with `split` reads the response as a stream: rows go out in messages of
 * `batchSize` while the body still arrives, with msg.parts a real join node (automatic mode)
 * turns back into the whole array; a failure part-way keeps what was sent and says how much; a
 * large chunked response arrives whole without being held whole. Real Node-RED
 * (node-red-node-test-helper, dist/) against a loopback API that writes its bodies in pieces.
 */
import assert from 'node:assert/strict';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { flowWith, helper, load, messages, nextMessage, silence, useNodeRed } from '../support/node-red';

type Route = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;
type Msg = Record<string, unknown> & {
  payload: unknown;
  parts?: { id: string; index: number; count?: number; len: number; type: string };
  rowCount?: number;
  columns?: string[];
  error?: { code: string; message: string };
};

const row = (id: number) => ({ id, name: `row ${id}`, city: id % 2 ? 'Zürich' : 'Bern' });
const rows = (count: number, from = 1) => Array.from({ length: count }, (_, i) => row(from + i));

/** Writes `text` in pieces of `size` bytes (a chunked body); `pauseMs` between them keeps them apart on the wire. */
async function writeInPieces(res: ServerResponse, text: string, size = 7, pauseMs = 0): Promise<void> {
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length; at += size) {
    if (!res.write(bytes.subarray(at, at + size))) await new Promise((resolve) => res.once('drain', resolve));
    if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
}

describe('nodes: execute-rest-grid streams rows with split and batchSize', function () {
  this.timeout(60000);
  useNodeRed();
  const routes: Record<string, Route> = {};
  const sockets = new Set<import('node:net').Socket>();
  let server: http.Server;
  let baseUrl: string;

  before(async () => {
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const route = routes[url.pathname];
      if (!route) {
        res.writeHead(404).end();
        return;
      }
      void Promise.resolve(route(req, res, url)).catch(() => res.destroy());
    });
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  afterEach(() => {
    for (const name of Object.keys(routes)) delete routes[name];
  });

  const JOINED = [
    { id: 'joiner', type: 'join', z: 'tab', mode: 'auto', build: 'array', wires: [['joined']] },
    { id: 'joined', type: 'helper', z: 'tab' },
  ];
  const flow = (node: Record<string, unknown>, connection: Record<string, unknown> = {}) => [
    ...(flowWith({
      connection: { baseUrl, retries: 0, ...connection },
      node: { method: 'GET', path: '/rows', split: true, wires: [['out', 'joiner']], ...node },
    }) as Record<string, unknown>[]),
    ...JOINED,
  ];
  const warnings = () =>
    (
      helper.getNode('restNode') as unknown as {
        warn: { getCalls(): { thisValue?: { id?: string }; args: unknown[] }[] };
      }
    ).warn
      .getCalls()
      .filter((call) => call.thisValue?.id === 'restNode')
      .map((call) => String(call.args[0]));

  it('batchSize 1: one row per message, sent before the body ends; join rebuilds the array', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    routes['/rows'] = async (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      await writeInPieces(res, `{"total":4,"data":[${JSON.stringify(row(1))},${JSON.stringify(row(2))},`);
      await released;
      await writeInPieces(res, `${JSON.stringify(row(3))},${JSON.stringify(row(4))}]}`);
      res.end();
    };
    await load(flow({ rowsPath: '$.data' }));
    const first = nextMessage('out');
    const all = messages('out', 4);
    const joined = nextMessage('joined');
    helper.getNode('restNode').receive({ topic: 'export' });
    // Row 1 arrives while the server still holds back rows 3 and 4.
    const early = (await first) as Msg;
    assert.deepEqual(early.payload, row(1));
    assert.equal(early.parts?.count, undefined);
    release();
    const sent = (await all) as Msg[];
    assert.deepEqual(
      sent.map((msg) => msg.payload),
      rows(4),
    );
    assert.deepEqual(
      sent.map((msg) => msg.parts?.index),
      [0, 1, 2, 3],
    );
    assert.deepEqual(
      sent.map((msg) => msg.parts?.count),
      [undefined, undefined, undefined, 4],
    );
    assert.equal(sent[3]!.rowCount, 4);
    assert.equal(sent[0]!.topic, 'export');
    assert.equal(sent[0]!.statusCode, 200);
    assert.deepEqual(((await joined) as Msg).payload, rows(4));
  });

  it('batchSize 3: arrays of 3 rows (the last shorter), parts.len 3, and join gives one flat array', async () => {
    routes['/rows'] = async (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      await writeInPieces(res, JSON.stringify({ items: rows(10) }), 13);
      res.end();
    };
    await load(flow({ rowsPath: '$.items[*]', batchSize: '3', format: 'arrays' }));
    const all = messages('out', 4);
    const joined = nextMessage('joined');
    helper.getNode('restNode').receive({});
    const sent = (await all) as Msg[];
    assert.deepEqual(
      sent.map((msg) => (msg.payload as unknown[]).length),
      [3, 3, 3, 1],
    );
    assert.deepEqual(sent[0]!.payload, [
      [1, 'row 1', 'Zürich'],
      [2, 'row 2', 'Bern'],
      [3, 'row 3', 'Zürich'],
    ]);
    assert.deepEqual(
      sent.map((msg) => [msg.parts?.index, msg.parts?.len, msg.parts?.count]),
      [
        [0, 3, undefined],
        [1, 3, undefined],
        [2, 3, undefined],
        [3, 3, 4],
      ],
    );
    assert.equal(sent[3]!.rowCount, 10);
    assert.deepEqual(sent[3]!.columns, ['id', 'name', 'city']);
    assert.equal(sent[0]!.columns, undefined);
    const whole = ((await joined) as Msg).payload as unknown[];
    assert.deepEqual(
      whole,
      rows(10).map((r) => [r.id, r.name, r.city]),
    );
    await silence('out', 200);
  });

  it('a path form that does not stream (a filter) gives the same batches from the whole body', async () => {
    routes['/rows'] = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data: rows(7) }));
    };
    await load(flow({ rowsPath: '$.data[?(@.id > 2)]', batchSize: 2, columns: [{ name: 'id', path: 'id' }] }));
    const all = messages('out', 3);
    const joined = nextMessage('joined');
    helper.getNode('restNode').receive({});
    const sent = (await all) as Msg[];
    assert.deepEqual(
      sent.map((msg) => msg.payload),
      [[{ id: 3 }, { id: 4 }], [{ id: 5 }, { id: 6 }], [{ id: 7 }]],
    );
    assert.equal(sent[2]!.parts?.count, 3);
    assert.deepEqual(((await joined) as Msg).payload, [{ id: 3 }, { id: 4 }, { id: 5 }, { id: 6 }, { id: 7 }]);
  });

  it('streams every page (nextUrl from the rest of the body) and join rebuilds all pages', async () => {
    routes['/rows'] = async (_req, res, url) => {
      const page = Number(url.searchParams.get('page') ?? 1);
      res.writeHead(200, { 'content-type': 'application/json' });
      const body = { data: page <= 3 ? rows(3, page * 10) : [], next: page <= 3 ? `rows?page=${page + 1}` : null };
      await writeInPieces(res, JSON.stringify(body), 5);
      res.end();
    };
    await load(flow({ rowsPath: '$.data', batchSize: 2, paging: 'nextUrl', nextPath: '$.next' }));
    const all = messages('out', 5);
    const joined = nextMessage('joined');
    helper.getNode('restNode').receive({});
    const sent = (await all) as Msg[];
    assert.deepEqual(
      sent.map((msg) => msg.parts?.count),
      [undefined, undefined, undefined, undefined, 5],
    );
    assert.deepEqual(((await joined) as Msg).payload, [...rows(3, 10), ...rows(3, 20), ...rows(3, 30)]);
  });

  it('an API that ignores the page parameter: rows once, a warning, no second copy', async () => {
    routes['/rows'] = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(rows(5)));
    };
    await load(flow({ rowsPath: '$', paging: 'page', pageParam: 'page' }));
    const all = messages('out', 5);
    const joined = nextMessage('joined');
    helper.getNode('restNode').receive({});
    await all;
    assert.deepEqual(((await joined) as Msg).payload, rows(5));
    await silence('out', 300);
    const warned = warnings();
    assert.equal(warned.length, 1, JSON.stringify(warned));
    assert.match(warned[0]!, /identical/);
  });

  describe('failures part-way: rows sent stay sent, and the error says how many', function () {
    it('a body that turns out not to be JSON: ERR_NOT_JSON after the rows before it', async () => {
      routes['/rows'] = async (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        await writeInPieces(
          res,
          `[${rows(5)
            .map((r) => JSON.stringify(r))
            .join(',')},{"id":6,"name":oops}]`,
        );
        res.end();
      };
      await load(flow({ rowsPath: '$', batchSize: 2 }));
      const sent = messages('out', 2);
      const caught = nextMessage('caught');
      helper.getNode('restNode').receive({ keep: 'me' });
      const batches = (await sent) as Msg[];
      assert.deepEqual(
        batches.map((msg) => msg.payload),
        [rows(2), rows(2, 3)],
      );
      assert.ok(batches.every((msg) => msg.parts?.count === undefined));
      const failed = (await caught) as Msg;
      assert.equal(failed.error?.code, 'ERR_NOT_JSON');
      assert.match(failed.error.message, /not JSON/);
      assert.match(failed.error.message, /4 rows in 2 messages were sent before the failure/);
      assert.equal(failed.rowCount, 4);
      assert.equal(failed.keep, 'me');
      assert.match(String(failed.responseBody), /^\[\{"id":1/);
      await silence('joined', 200);
    });

    // Three rows, then the body breaks off: row 3 waits for what follows it (or the end) to know
    // whether it is the last, so two rows are sent before the error.
    const threeRows = rows(3)
      .map((r) => JSON.stringify(r))
      .join(',');
    const brokenOff: {
      what: string;
      code: string;
      rowsPath: string;
      connection: Record<string, unknown>;
      route: Route;
    }[] = [
      {
        what: 'a connection reset mid-body: ERR_NETWORK, also with retries on',
        code: 'ERR_NETWORK',
        rowsPath: '$.data',
        connection: { retries: 2 },
        route: async (_req, res) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          await writeInPieces(res, `{"data":[${threeRows},{"id":4,"na`, 50);
          setTimeout(() => res.socket?.destroy(), 50);
        },
      },
      {
        what: 'a body that stalls longer than the timeout: ERR_TIMEOUT after the rows before the stall',
        code: 'ERR_TIMEOUT',
        rowsPath: '$',
        connection: { timeout: 300 },
        route: (_req, res) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write(`[${threeRows},`);
        },
      },
    ];
    for (const { what, code, rowsPath, connection, route } of brokenOff) {
      it(what, async () => {
        routes['/rows'] = route;
        await load(flow({ rowsPath }, connection));
        const sent = messages('out', 2);
        const caught = nextMessage('caught', 15000);
        helper.getNode('restNode').receive({});
        assert.deepEqual(
          ((await sent) as Msg[]).map((msg) => msg.payload),
          rows(2),
        );
        const failed = (await caught) as Msg;
        assert.equal(failed.error?.code, code);
        assert.match(failed.error.message, /2 rows in 2 messages were sent before the failure/);
        await silence('out', 200);
      });
    }

    it('maxResponseBytes counts the bytes read: ERR_RESPONSE_TOO_LARGE after the rows before the limit', async () => {
      const body = JSON.stringify(rows(200));
      routes['/rows'] = async (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        await writeInPieces(res, body, 512, 20);
        res.end();
      };
      await load(flow({ rowsPath: '$', batchSize: 10 }, { maxResponseBytes: 4000 }));
      const caught = nextMessage('caught');
      const received: Msg[] = [];
      helper.getNode('out').on('input', (msg: object) => received.push(msg as Msg));
      helper.getNode('restNode').receive({});
      const failed = (await caught) as Msg;
      assert.equal(failed.error?.code, 'ERR_RESPONSE_TOO_LARGE');
      assert.ok(received.length > 0, 'the rows before the limit were sent');
      const sentRows = received.flatMap((msg) => msg.payload as unknown[]);
      assert.deepEqual(sentRows, rows(sentRows.length));
      assert.ok(Buffer.byteLength(JSON.stringify(sentRows)) < 4000);
      assert.match(
        failed.error.message,
        new RegExp(`${sentRows.length} rows in ${received.length} messages were sent`),
      );
      assert.equal(failed.rowCount, sentRows.length);
    });

    it('a 500 before any row: ERR_HTTP_STATUS with the body, nothing sent', async () => {
      routes['/rows'] = (_req, res) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end('{"error":"database on fire"}');
      };
      await load(flow({ rowsPath: '$' }));
      const caught = nextMessage('caught');
      const out = silence('out', 300);
      helper.getNode('restNode').receive({});
      const failed = (await caught) as Msg;
      assert.equal(failed.error?.code, 'ERR_HTTP_STATUS');
      assert.doesNotMatch(failed.error.message, /sent before/);
      assert.match(String(failed.responseBody), /database on fire/);
      await out;
    });
  });

  it('the timeout bounds each pause in a streamed body, not the whole download', async () => {
    routes['/rows'] = async (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[');
      for (let id = 1; id <= 8; id++) {
        res.write((id > 1 ? ',' : '') + JSON.stringify(row(id)));
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
      res.end(']');
    };
    await load(flow({ rowsPath: '$', batchSize: 4 }, { timeout: 600 }));
    const all = messages('out', 2, 15000);
    const out = silence('caught', 2000);
    helper.getNode('restNode').receive({});
    const sent = (await all) as Msg[];
    assert.deepEqual(
      sent.flatMap((msg) => msg.payload as unknown[]),
      rows(8),
    );
    await out;
  });

  it('refuses a batchSize that is not a whole number from 1 with ERR_CONFIG', async () => {
    await load(flow({ rowsPath: '$', batchSize: '0' }));
    const caught = nextMessage('caught');
    helper.getNode('restNode').receive({});
    const failed = (await caught) as Msg;
    assert.equal(failed.error?.code, 'ERR_CONFIG');
    assert.match(failed.error.message, /batchSize/);
  });

  it('a 32 MB chunked export with maxResponseBytes 0: every row arrives, the first long before the body is written', async () => {
    const ROWS = 270000;
    let written = 0;
    let total = 0;
    let writtenAtFirstMessage = -1;
    routes['/rows'] = async (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const piece = (from: number, to: number) => {
        const parts: string[] = [];
        for (let id = from; id < to; id++) parts.push(JSON.stringify({ ...row(id), pad: 'x'.repeat(60) }));
        return parts.join(',');
      };
      // The size first, a piece at a time: the test holds no more of the body than the node should.
      total = Buffer.byteLength('{"data":[]}');
      for (let id = 1; id <= ROWS; id += 1000) {
        total += Buffer.byteLength((id > 1 ? ',' : '') + piece(id, Math.min(id + 1000, ROWS + 1)));
      }
      const write = (text: string) => {
        written += Buffer.byteLength(text);
        return res.write(text) ? undefined : new Promise((resolve) => res.once('drain', resolve));
      };
      await write('{"data":[');
      for (let id = 1; id <= ROWS; id += 1000) {
        await write((id > 1 ? ',' : '') + piece(id, Math.min(id + 1000, ROWS + 1)));
      }
      await write(']}');
      res.end();
    };
    await load(
      flowWith({
        connection: { baseUrl, retries: 0, maxResponseBytes: 0, timeout: 120000 },
        node: { method: 'GET', path: '/rows', split: true, rowsPath: '$.data', batchSize: 1000, wires: [['out']] },
      }),
    );
    let count = 0;
    let lastId = 0;
    let last: Msg | undefined;
    const done = new Promise<void>((resolve) => {
      helper.getNode('out').on('input', (input: object) => {
        const msg = input as Msg;
        if (writtenAtFirstMessage < 0) writtenAtFirstMessage = written;
        const batch = msg.payload as { id: number }[];
        count += batch.length;
        lastId = batch[batch.length - 1]!.id;
        if (msg.parts?.count !== undefined) {
          last = msg;
          resolve();
        }
      });
    });
    helper.getNode('restNode').receive({});
    await done;
    assert.equal(count, ROWS);
    assert.equal(lastId, ROWS);
    assert.equal(last!.parts!.count, ROWS / 1000);
    assert.equal(last!.rowCount, ROWS);
    assert.ok(total > 30 * 1000 * 1000, `the body has ${total} bytes`);
    // Backpressure: the server could not write the body ahead of the rows being sent.
    assert.ok(
      writtenAtFirstMessage < total / 2,
      `the first batch arrived after ${writtenAtFirstMessage} of ${total} bytes were written`,
    );
  });
});
