/**
 * A flow stopped (redeploy, helper.unload) while its requests are in flight, through real nodes
 * (node-red-node-test-helper, dist/) and a loopback API that answers slowly: closing the
 * connection ends those requests at once, retries none of them, and leaves the API with no
 * socket open; each message in flight ends with an error (done(err)), none is silently lost.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import { flowWith, helper, load, useNodeRed } from '../support/node-red';

const IN_FLIGHT = 20;

interface SlowApi {
  url: string;
  /** Requests received so far (a retry after close would add one). */
  received: number;
  open(): number;
  /** Resolves once `count` requests have arrived. */
  waitFor(count: number): Promise<void>;
  close(): Promise<void>;
}

/** Holds every request without answering, as an API that is slow under load. */
async function startSlowApi(): Promise<SlowApi> {
  const sockets = new Set<net.Socket>();
  const waiters: { count: number; resolve: () => void }[] = [];
  const server = http.createServer(() => {
    api.received++;
    for (const waiter of waiters.filter((w) => api.received >= w.count)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  });
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const api: SlowApi = {
    url: `http://127.0.0.1:${port}`,
    received: 0,
    open: () => sockets.size,
    waitFor: (count) =>
      api.received >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve })),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return api;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface RecordedError {
  error: { code?: string; message?: string };
  msg: { index?: number };
}

describe('nodes: closing a connection with requests in flight', function () {
  let api: SlowApi;
  useNodeRed();

  beforeEach(async () => {
    api = await startSlowApi();
  });
  afterEach(() => api.close());

  /** Deploys, sends IN_FLIGHT messages, waits until the API holds them all, stops the flow. */
  async function stopUnderLoad(): Promise<RecordedError[]> {
    await load(
      flowWith({
        // Retries on: the requests the close resets must not be sent again.
        connection: { baseUrl: api.url, retries: 3, timeout: 60000 },
        node: { method: 'GET', path: '/slow' },
      }),
    );
    const node = helper.getNode('restNode') as unknown as {
      receive(msg: object): void;
      error: (error: unknown, msg?: unknown) => void;
    };
    const errors: RecordedError[] = [];
    const reportError = node.error.bind(node);
    node.error = (error: unknown, msg?: unknown) => {
      errors.push({ error: error as RecordedError['error'], msg: msg as RecordedError['msg'] });
      reportError(error, msg);
    };
    for (let index = 0; index < IN_FLIGHT; index++) node.receive({ index });
    await api.waitFor(IN_FLIGHT);
    assert.equal(api.open(), IN_FLIGHT, 'one socket per request in flight before the stop');
    await helper.unload();
    return errors;
  }

  it('leaves the API no open socket after the flow stops, right after and once a retry would have started', async () => {
    await stopUnderLoad();
    // The client closed them: the server needs only a moment to see each FIN.
    await pause(300);
    assert.equal(api.open(), 0, `${api.open()} sockets to the API still open 300 ms after the flow stopped`);
    // A retry of a request the close reset would open a new socket after its backoff (up to 500 ms).
    await pause(1000);
    assert.equal(api.open(), 0, `${api.open()} sockets to the API open again after the flow stopped`);
  });

  it('sends no retry after the close, through the destroyed agents or otherwise', async () => {
    await stopUnderLoad();
    // Longer than the first backoff steps (125-250 ms, 250-500 ms) a retry would have waited.
    await pause(1200);
    assert.equal(api.received, IN_FLIGHT, `${api.received - IN_FLIGHT} requests reached the API after the close`);
    assert.equal(api.open(), 0);
  });

  it('ends every message in flight with ERR_CONFIG "closed while in flight", none silently lost', async () => {
    const errors = await stopUnderLoad();
    await pause(100);
    assert.equal(errors.length, IN_FLIGHT, `${errors.length} of ${IN_FLIGHT} messages ended with an error`);
    assert.deepEqual(
      errors.map((entry) => entry.msg?.index).sort((a, b) => Number(a) - Number(b)),
      Array.from({ length: IN_FLIGHT }, (_, index) => index),
    );
    for (const { error } of errors) {
      assert.equal(error.code, 'ERR_CONFIG');
      assert.match(String(error.message), /closed .*while the request to .*\/slow was in flight/);
    }
  });
});
