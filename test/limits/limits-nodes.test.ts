/**
 * The connection's limits through real nodes (node-red-node-test-helper, dist/) and a loopback
 * API that counts what arrives: waiting messages keep their order and show "N waiting" in the
 * node status, one more than maxQueued fails with ERR_QUEUE_FULL, a redeploy fails every waiting
 * message with a clear error, a retry and the retry after a 401 wait their turn, and token
 * requests take no turn at all.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { flowWith, helper, load, messages, statuses } from '../support/node-red';
import { startCountingServer, type CountingServer } from './counting-server';

type Caught = { error: { code: string; message: string }; label?: string };
type Status = { fill?: string; text?: string };

function flow(connection: Record<string, unknown>): object[] {
  return flowWith({
    type: 'execute-rest-scalar',
    connection: { retries: 0, timeout: 10000, ...connection },
    node: { method: 'GET', path: '/{{label}}', valuePath: '$', valueType: 'string' },
  });
}

function send(count: number, prefix = 'm'): string[] {
  const labels = Array.from({ length: count }, (_, i) => `${prefix}${i + 1}`);
  const node = helper.getNode('restNode');
  for (const label of labels) node.receive({ label });
  return labels;
}

function waitingCounts(): number[] {
  return (statuses('restNode') as Status[])
    .map((status) => /^(\d+) waiting$/.exec(status.text ?? '')?.[1])
    .filter((count): count is string => count !== undefined)
    .map(Number);
}

async function until(condition: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('limits: maxConcurrent, rateLimit and maxQueued through the nodes', function () {
  let api: CountingServer | undefined;
  before(() => new Promise<void>((resolve) => helper.startServer(resolve)));
  after(() => new Promise<void>((resolve) => helper.stopServer(resolve)));
  afterEach(async () => {
    await helper.unload();
    await api?.close();
    api = undefined;
  });

  it('maxConcurrent 1: 20 messages arrive one at a time in the order sent, the status counts down "N waiting"', async function () {
    api = await startCountingServer({ holdMs: 20 });
    await load(flow({ baseUrl: api.url, maxConcurrent: 1 }));
    const out = messages('out', 20, 10000);
    const labels = send(20);
    const received = (await out) as { label: string; payload: string }[];

    assert.deepEqual(
      api.arrivals.map((arrival) => arrival.label),
      labels,
    );
    assert.equal(api.maxInFlight, 1);
    assert.deepEqual(
      received.map((msg) => msg.label),
      labels,
    );
    assert.ok(received.every((msg) => msg.payload === 'ok'));
    const counts = waitingCounts();
    assert.equal(Math.max(...counts), 19, `waiting counts shown: ${counts.join(', ')}`);
    const peak = counts.indexOf(19);
    assert.ok(
      counts.every((count, i) => i <= peak || count <= (counts[i - 1] ?? 0)),
      `counts down from 19: ${counts.join(', ')}`,
    );
    const last = (statuses('restNode') as Status[]).at(-1);
    assert.equal(last?.fill, 'green');
  });

  it('maxConcurrent 3 with a rateLimit: never more than 3 in flight, all sent', async function () {
    api = await startCountingServer({ holdMs: 30 });
    await load(flow({ baseUrl: api.url, maxConcurrent: 3, rateLimit: 200.5 }));
    const out = messages('out', 30, 10000);
    const labels = send(30);
    await out;
    assert.equal(api.arrivals.length, 30);
    assert.ok(api.maxInFlight <= 3, `at most 3 in flight, saw ${api.maxInFlight}`);
    // Started in order; three sockets at once may deliver them a little out of order.
    assert.deepEqual(api.arrivals.map((arrival) => arrival.label).sort(), [...labels].sort());
  });

  it('maxQueued 3: with 1 in flight and 3 waiting, 2 more fail at once with ERR_QUEUE_FULL and are not sent', async function () {
    api = await startCountingServer({ holdMs: 150 });
    await load(flow({ baseUrl: api.url, maxConcurrent: 1, maxQueued: 3 }));
    const caught = messages('caught', 2, 5000);
    const out = messages('out', 4, 5000);
    send(6);
    const failed = (await caught) as Caught[];
    assert.deepEqual(
      failed.map((msg) => [msg.label, msg.error.code]),
      [
        ['m5', 'ERR_QUEUE_FULL'],
        ['m6', 'ERR_QUEUE_FULL'],
      ],
    );
    assert.match(failed[0]?.error.message ?? '', /3 requests of this connection are already waiting.*maxQueued/);
    const sent = (await out) as { label: string }[];
    assert.deepEqual(
      sent.map((msg) => msg.label),
      ['m1', 'm2', 'm3', 'm4'],
    );
    assert.deepEqual(
      api.arrivals.map((arrival) => arrival.label),
      ['m1', 'm2', 'm3', 'm4'],
    );
  });

  it('a redeploy fails each waiting message with a clear error (a catch node gets it), none is dropped or sent', async function () {
    api = await startCountingServer({ holdMs: 400 });
    await load(flow({ baseUrl: api.url, maxConcurrent: 1 }));
    send(4);
    await until(() => waitingCounts().includes(3), 'the status "3 waiting"');
    const caught: Caught[] = [];
    helper.getNode('caught').on('input', (msg) => caught.push(msg as Caught));
    // What a deploy that changes the connection does to it: close it (Node-RED then starts a new one).
    await (helper.getNode('restConn') as unknown as { close(removed: boolean): Promise<void> }).close(false);
    const closedError = /closed \(redeployed\) while this request waited for its turn .*it was not sent/;
    await until(() => caught.filter((msg) => closedError.test(msg.error.message)).length >= 3, '3 caught messages');
    const notSent = caught.filter((msg) => closedError.test(msg.error.message));
    assert.deepEqual(
      notSent.map((msg) => [msg.label, msg.error.code]),
      [
        ['m2', 'ERR_CONFIG'],
        ['m3', 'ERR_CONFIG'],
        ['m4', 'ERR_CONFIG'],
      ],
    );
    // m1 was in flight (it may or may not have reached the API when the connection closed); the others never go.
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(
      api.arrivals.map((arrival) => arrival.label).filter((label) => label !== 'm1'),
      [],
    );
  });

  it('a retry waits its turn: it goes behind the messages that were waiting', async function () {
    api = await startCountingServer({
      holdMs: 50,
      statusFor: (label, seen) => (label === 'm1' && seen === 1 ? 503 : 200),
    });
    await load(flow({ baseUrl: api.url, maxConcurrent: 1, retries: 1 }));
    const out = messages('out', 2, 10000);
    send(2);
    await out;
    assert.deepEqual(
      api.arrivals.map((arrival) => arrival.label),
      ['m1', 'm2', 'm1'],
    );
    assert.equal(api.maxInFlight, 1);
  });

  it('token requests take no turn: maxConcurrent 1 with maxQueued 0, a token, a 401 and a renewal, the message succeeds', async function () {
    // One server: POST /token issues tok-1, tok-2, ...; the API refuses tok-1 (revoked early).
    let issued = 0;
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      if (req.method === 'POST' && req.url === '/token') {
        issued++;
        seen.push('token');
        req.resume();
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ access_token: `tok-${issued}`, token_type: 'Bearer', expires_in: 3600 }));
        return;
      }
      seen.push(`${req.url} ${req.headers.authorization}`);
      const ok = req.headers.authorization !== 'Bearer tok-1';
      res.writeHead(ok ? 200 : 401, { 'content-type': 'text/plain' }).end(ok ? 'ok' : 'no');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await load(
        flow({
          baseUrl: base,
          maxConcurrent: 1,
          maxQueued: 0,
          authType: 'oauth2',
          oauth2Grant: 'client_credentials',
          tokenUrl: `${base}/token`,
        }),
        { restConn: { clientId: 'client', clientSecret: 'secret' } },
      );
      const out = messages('out', 1, 5000);
      send(1);
      const [msg] = (await out) as { payload: string }[];
      assert.equal(msg?.payload, 'ok');
      assert.deepEqual(seen, ['token', '/m1 Bearer tok-1', 'token', '/m1 Bearer tok-2']);
    } finally {
      await helper.unload();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('a wrong limit is ERR_CONFIG at deploy, shown on the node', async function () {
    api = await startCountingServer();
    await load(flow({ baseUrl: api.url, maxConcurrent: 2.5 }));
    await until(
      () => (statuses('restNode') as Status[]).some((status) => status.text === 'ERR_CONFIG'),
      'the status ERR_CONFIG',
    );
    const caught = messages('caught', 1);
    send(1);
    const [msg] = (await caught) as Caught[];
    assert.equal(msg?.error.code, 'ERR_CONFIG');
    assert.match(msg?.error.message ?? '', /maxConcurrent must be a whole number from 0 to 10000, not "2.5"/);
    assert.equal(api.arrivals.length, 0);
  });
});
