/**
 * Retries, Retry-After, redirects and credentials, and proxy/TLS settings reaching the wire
 * through a deployed flow (the transport itself is tested in test/transport/).
 */
import assert from 'node:assert/strict';
import type http from 'node:http';
import {
  flowWith,
  helper,
  load,
  nextCaught,
  nextMessage,
  useNodeRed,
  type Caught,
  type Msg,
} from '../support/node-red';
import { json, startApi, startServer, type LoopbackServer } from '../support/loopback-server';
import { startProxy, type LoopbackProxy } from '../support/proxy-chain-server';
import { getTestPki, type TestPki } from '../support/peers/tls-material';
import { assertNoSecret } from '../support/secret-scan';

interface RunOptions {
  connection: Record<string, unknown>;
  credentials?: Record<string, string>;
  node?: Record<string, unknown>;
  msg?: object;
}

/** Sends one message through a grid node; resolves with {msg} or {caught}. */
async function run({
  connection,
  credentials = {},
  node = {},
  msg = { payload: 'keep' },
}: RunOptions): Promise<{ msg?: Msg; caught?: Caught }> {
  await load(flowWith({ connection, node: { method: 'GET', ...node } }), { restConn: credentials });
  const out = nextMessage('out', 15000);
  const caught = nextCaught('caught', 15000);
  helper.getNode('restNode').receive(msg);
  return Promise.race([out.then((m) => ({ msg: m })), caught.then((m) => ({ caught: m }))]);
}

async function outputOf(options: RunOptions): Promise<Msg> {
  const { msg, caught } = await run(options);
  assert.ok(msg, `output expected, caught ${caught?.error.code} ${caught?.error.message}`);
  return msg;
}

async function failureOf(options: RunOptions): Promise<Caught> {
  const { msg, caught } = await run(options);
  assert.ok(caught, `an error expected, got ${JSON.stringify(msg)}`);
  return caught;
}

describe('retries, Retry-After and redirects', function () {
  let api: LoopbackServer;
  let other: LoopbackServer;
  const hits: Record<string, number> = {};
  const retryAfterTimer: { fired: boolean; firedBeforeRetry?: boolean } = { fired: false };
  useNodeRed();
  before(async () => {
    other = await startApi({ 'GET /landing': [{ where: 'other' }] });
    const flaky =
      (name: string, failures: number, status: number, headers: () => http.OutgoingHttpHeaders) =>
      (_req: http.IncomingMessage, res: http.ServerResponse) => {
        const hit = (hits[name] = (hits[name] ?? 0) + 1);
        if (hit <= failures) return json(res, status, { error: 'try later' }, headers());
        json(res, 200, [{ ok: hit }]);
      };
    const redirect = (status: number, location: () => string) => (_req: unknown, res: http.ServerResponse) => {
      res.writeHead(status, { location: location() });
      res.end();
    };
    // The server's own 1 s timer, started as it asks the client to wait 1 s. Node fires timers of
    // one duration in the order they were set, so a retry that waited 1 s comes after it fired.
    const askToWaitOneSecond = flaky('seconds', 1, 503, () => {
      retryAfterTimer.fired = false;
      setTimeout(() => (retryAfterTimer.fired = true), 1000);
      return { 'retry-after': '1' };
    });
    api = await startApi({
      'GET /retry-after-seconds': (req, res) => {
        if (hits.seconds) retryAfterTimer.firedBeforeRetry = retryAfterTimer.fired;
        askToWaitOneSecond(req, res);
      },
      'GET /retry-after-date': flaky('date', 1, 503, () => ({
        'retry-after': new Date(Date.now() + 1000).toUTCString(),
      })),
      'GET /busy': flaky('busy', 2, 429, () => ({})),
      'GET /bad-gateway': flaky('gateway', 1, 502, () => ({})),
      'GET /too-long': flaky('long', 5, 503, () => ({ 'retry-after': '3600' })),
      'GET /always-503': flaky('always', 100, 503, () => ({})),
      'POST /create': flaky('create', 1, 503, () => ({})),
      'POST /create-again': flaky('createAgain', 1, 503, () => ({})),
      'GET /not-found': flaky('notFound', 100, 404, () => ({})),
      'GET /to-other': redirect(302, () => `${other.url}/landing?api_key=leak`),
      'GET /to-same': redirect(301, () => '/landing-here'),
      'GET /landing-here': (_req, res, record) => json(res, 200, [{ auth: record.headers.authorization }]),
      'GET /loop': redirect(302, () => '/loop'),
    });
  });
  after(async () => {
    await api.close();
    await other.close();
  });

  const connection = (extra: Record<string, unknown> = {}) => ({ baseUrl: api.url, retries: 2, ...extra });

  it('retries a 503 after the Retry-After seconds, then succeeds', async () => {
    const msg = await outputOf({ connection: connection(), node: { path: '/retry-after-seconds' } });
    assert.deepEqual(msg.payload, [{ ok: 2 }]);
    assert.equal(hits.seconds, 2);
    assert.equal(retryAfterTimer.firedBeforeRetry, true, 'the retry came after the Retry-After second');
  });

  it('honours Retry-After given as an HTTP date', async () => {
    const msg = await outputOf({ connection: connection(), node: { path: '/retry-after-date' } });
    assert.deepEqual(msg.payload, [{ ok: 2 }]);
    assert.equal(hits.date, 2);
  });

  it('retries 429 with backoff until it succeeds within the retry budget', async () => {
    const msg = await outputOf({ connection: connection(), node: { path: '/busy' } });
    assert.deepEqual(msg.payload, [{ ok: 3 }]);
    assert.equal(hits.busy, 3);
  });

  it('retries 502', async () => {
    await outputOf({ connection: connection(), node: { path: '/bad-gateway' } });
    assert.equal(hits.gateway, 2);
  });

  it('gives up with ERR_HTTP_STATUS when Retry-After exceeds the cap, without waiting', async () => {
    // Waiting the hour asked for would end in the test's timeout; the delay rule itself (0: do not
    // wait) is checked without a clock in compute-retry-delay.test.ts.
    const caught = await failureOf({ connection: connection(), node: { path: '/too-long' } });
    assert.equal(caught.error.code, 'ERR_HTTP_STATUS');
    assert.equal(caught.statusCode, 503);
    assert.equal(hits.long, 1, 'no retry');
  });

  it('stops after `retries` retries', async () => {
    const caught = await failureOf({ connection: connection({ retries: 1 }), node: { path: '/always-503' } });
    assert.equal(caught.statusCode, 503);
    assert.equal(hits.always, 2, 'one try and one retry');
  });

  it('does not retry POST by default', async () => {
    const caught = await failureOf({
      connection: connection(),
      node: { method: 'POST', path: '/create' },
      msg: { payload: { a: 1 } },
    });
    assert.equal(caught.statusCode, 503);
    assert.equal(hits.create, 1);
  });

  it('retries POST when retryNonIdempotent is on', async () => {
    await outputOf({
      connection: connection({ retryNonIdempotent: true }),
      node: { method: 'POST', path: '/create-again' },
      msg: { payload: { a: 1 } },
    });
    assert.equal(hits.createAgain, 2);
  });

  it('does not retry a 404', async () => {
    await failureOf({ connection: connection(), node: { path: '/not-found' } });
    assert.equal(hits.notFound, 1);
  });

  it('a redirect to another origin drops Authorization, the API key, the token header and cookies', async () => {
    const cases: [Record<string, string>, Record<string, string>][] = [
      [{ authType: 'bearer', tokenHeader: 'X-Token' }, { token: 'bearer-secret' }],
      [{ authType: 'apiKey', apiKeyName: 'api_key', apiKeyIn: 'query' }, { apiKey: 'query-secret' }],
      [{ authType: 'apiKey', apiKeyName: 'X-Api-Key', apiKeyIn: 'header' }, { apiKey: 'header-secret' }],
      [{ authType: 'basic' }, { username: 'u', password: 'basic-secret' }],
    ];
    for (const [auth, credentials] of cases) {
      const msg = await outputOf({
        connection: connection({ ...auth, cookies: [{ name: 'sid', value: 'cookie-secret' }] }),
        credentials,
        node: { path: '/to-other' },
      });
      await helper.unload();
      assert.deepEqual(msg.payload, [{ where: 'other' }]);
      const seen = other.requests.at(-1);
      assert.ok(seen, 'the other origin was reached');
      assert.equal(seen.headers.authorization, undefined);
      assert.equal(seen.headers['x-token'], undefined);
      assert.equal(seen.headers['x-api-key'], undefined);
      assert.equal(seen.headers.cookie, undefined);
      // The API-key parameter is dropped by name whoever set it; other auth types leave the server's query alone.
      assert.equal(seen.query.api_key, auth.apiKeyIn === 'query' ? undefined : 'leak');
      assertNoSecret(seen, [...Object.values(credentials).filter((v) => v !== 'u'), 'cookie-secret'], {
        users: ['u'],
      });
    }
  });

  it('a redirect on the same origin keeps the credentials', async () => {
    const msg = await outputOf({
      connection: connection({ authType: 'bearer' }),
      credentials: { token: 'same-origin' },
      node: { path: '/to-same' },
    });
    assert.deepEqual(msg.payload, [{ auth: 'Bearer same-origin' }]);
    assert.equal(msg.responseUrl, `${api.url}/landing-here`);
  });

  it('a redirect loop ends with a clear error', async () => {
    const caught = await failureOf({ connection: connection(), node: { path: '/loop' } });
    assert.equal(caught.error.code, 'ERR_HTTP_STATUS');
    assert.match(caught.error.message, /redirect/i);
  });
});

describe('proxy and TLS settings of a deployed connection', function () {
  let certs: TestPki;
  let httpsApi: LoopbackServer;
  let proxy: LoopbackProxy;
  useNodeRed();
  before(async () => {
    certs = await getTestPki();
    httpsApi = await startServer({
      tls: { key: certs.server.key, cert: certs.server.cert },
      handler: (req, res) => json(res, 200, [{ via: 'https', auth: req.headers.authorization ?? null }]),
    });
    proxy = await startProxy({ username: 'proxy-user', password: 'proxy-pass' });
  });
  after(async () => {
    await httpsApi.close();
    await proxy.close();
  });

  it('reaches an HTTPS API through an authenticating proxy with CONNECT, trusting a private CA from credentials', async () => {
    const msg = await outputOf({
      connection: { baseUrl: httpsApi.url, useProxy: true, proxyUrl: proxy.url, authType: 'bearer' },
      credentials: { proxyUsername: 'proxy-user', proxyPassword: 'proxy-pass', caCert: certs.ca.cert, token: 't0ken' },
      node: { path: '/data' },
    });
    assert.deepEqual(msg.payload, [{ via: 'https', auth: 'Bearer t0ken' }]);
    const entry = proxy.log.at(-1);
    assert.equal(entry?.method, 'CONNECT');
    assert.equal(entry?.authorized, true);
  });

  it('a wrong proxy password is ERR_PROXY, without the password in the message', async () => {
    const caught = await failureOf({
      connection: { baseUrl: httpsApi.url, useProxy: true, proxyUrl: proxy.url, retries: 0 },
      credentials: { proxyUsername: 'proxy-user', proxyPassword: 'wrong-pass', caCert: certs.ca.cert },
      node: { path: '/data' },
    });
    assert.equal(caught.error.code, 'ERR_PROXY');
    assertNoSecret(caught, ['wrong-pass'], { users: ['proxy-user'] });
  });

  it('an unknown CA is ERR_TLS', async () => {
    const caught = await failureOf({ connection: { baseUrl: httpsApi.url, retries: 0 }, node: { path: '/data' } });
    assert.equal(caught.error.code, 'ERR_TLS');
  });

  it('tlsMinVersion SSLv3 is refused as ERR_CONFIG saying SSL3 is not available', async () => {
    const caught = await failureOf({
      connection: { baseUrl: httpsApi.url, tlsMinVersion: 'SSLv3' },
      node: { path: '/data' },
    });
    assert.equal(caught.error.code, 'ERR_CONFIG');
    assert.match(caught.error.message, /SSL ?3/i);
  });
});
