'use strict';
/**
 * Retries, Retry-After, redirects and credentials, and proxy/TLS settings reaching the wire
 * through a deployed flow (the transport itself is tested in transport-*.test.js).
 */
const assert = require('node:assert/strict');
const { useNodeRed, load, helper, nextMessage, flowWith } = require('./support/node-red');
const { startApi, json } = require('./support/api');
const { startHttpsServer, startProxy } = require('./support/servers');
const { getCerts } = require('./support/certs');

/** Sends one message through a grid node; resolves with {msg} or {caught}. */
async function run({ connection, credentials = {}, node = {}, msg = { payload: 'keep' } }) {
  await load(flowWith({ connection, node: { method: 'GET', ...node } }), { restConn: credentials });
  const out = nextMessage('out', 15000);
  const caught = nextMessage('caught', 15000);
  helper.getNode('restNode').receive(msg);
  return Promise.race([out.then((m) => ({ msg: m })), caught.then((m) => ({ caught: m }))]);
}

describe('retries, Retry-After and redirects', function () {
  let api;
  let other;
  const hits = {};
  useNodeRed();
  before(async () => {
    other = await startApi({ 'GET /landing': [{ where: 'other' }] });
    const flaky = (name, failures, status, headers) => (req, res) => {
      hits[name] = (hits[name] || 0) + 1;
      if (hits[name] <= failures) return json(res, status, { error: 'try later' }, headers());
      json(res, 200, [{ ok: hits[name] }]);
    };
    api = await startApi({
      'GET /retry-after-seconds': flaky('seconds', 1, 503, () => ({ 'retry-after': '1' })),
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
      'GET /to-other': (req, res) => {
        res.writeHead(302, { location: `${other.url}/landing?api_key=leak` });
        res.end();
      },
      'GET /to-same': (req, res) => {
        res.writeHead(301, { location: '/landing-here' });
        res.end();
      },
      'GET /landing-here': (req, res, record) => json(res, 200, [{ auth: record.headers.authorization }]),
      'GET /loop': (req, res) => {
        res.writeHead(302, { location: '/loop' });
        res.end();
      },
    });
  });
  after(async () => {
    await api.close();
    await other.close();
  });

  const connection = (extra = {}) => ({ baseUrl: api.url, retries: 2, ...extra });

  it('retries a 503 after the Retry-After seconds, then succeeds', async () => {
    const started = Date.now();
    const { msg } = await run({ connection: connection(), node: { path: '/retry-after-seconds' } });
    assert.deepEqual(msg.payload, [{ ok: 2 }]);
    assert.equal(hits.seconds, 2);
    assert.ok(Date.now() - started >= 900, 'waited for Retry-After');
  });

  it('honours Retry-After given as an HTTP date', async () => {
    const { msg } = await run({ connection: connection(), node: { path: '/retry-after-date' } });
    assert.deepEqual(msg.payload, [{ ok: 2 }]);
    assert.equal(hits.date, 2);
  });

  it('retries 429 with backoff until it succeeds within the retry budget', async () => {
    const { msg } = await run({ connection: connection(), node: { path: '/busy' } });
    assert.deepEqual(msg.payload, [{ ok: 3 }]);
    assert.equal(hits.busy, 3);
  });

  it('retries 502', async () => {
    const { msg } = await run({ connection: connection(), node: { path: '/bad-gateway' } });
    assert.ok(msg);
    assert.equal(hits.gateway, 2);
  });

  it('gives up with ERR_HTTP_STATUS when Retry-After exceeds the cap, without waiting', async () => {
    const started = Date.now();
    const { caught } = await run({ connection: connection(), node: { path: '/too-long' } });
    assert.equal(caught.error.code, 'ERR_HTTP_STATUS');
    assert.equal(caught.statusCode, 503);
    assert.equal(hits.long, 1);
    assert.ok(Date.now() - started < 3000);
  });

  it('stops after `retries` retries', async () => {
    const { caught } = await run({ connection: connection({ retries: 1 }), node: { path: '/always-503' } });
    assert.equal(caught.statusCode, 503);
    assert.equal(hits.always, 2, 'one try and one retry');
  });

  it('does not retry POST by default', async () => {
    const { caught } = await run({
      connection: connection(),
      node: { method: 'POST', path: '/create' },
      msg: { payload: { a: 1 } },
    });
    assert.equal(caught.statusCode, 503);
    assert.equal(hits.create, 1);
  });

  it('retries POST when retryNonIdempotent is on', async () => {
    const { msg } = await run({
      connection: connection({ retryNonIdempotent: true }),
      node: { method: 'POST', path: '/create-again' },
      msg: { payload: { a: 1 } },
    });
    assert.ok(msg);
    assert.equal(hits.createAgain, 2);
  });

  it('does not retry a 404', async () => {
    await run({ connection: connection(), node: { path: '/not-found' } });
    assert.equal(hits.notFound, 1);
  });

  it('a redirect to another origin drops Authorization, the API key, the token header and cookies', async () => {
    for (const [auth, credentials] of [
      [{ authType: 'bearer', tokenHeader: 'X-Token' }, { token: 'bearer-secret' }],
      [{ authType: 'apiKey', apiKeyName: 'api_key', apiKeyIn: 'query' }, { apiKey: 'query-secret' }],
      [{ authType: 'apiKey', apiKeyName: 'X-Api-Key', apiKeyIn: 'header' }, { apiKey: 'header-secret' }],
      [{ authType: 'basic' }, { username: 'u', password: 'basic-secret' }],
    ]) {
      const { msg } = await run({
        connection: connection({ ...auth, cookies: [{ name: 'sid', value: 'cookie-secret' }] }),
        credentials,
        node: { path: '/to-other' },
      });
      await helper.unload();
      assert.deepEqual(msg.payload, [{ where: 'other' }]);
      const seen = other.requests.at(-1);
      assert.equal(seen.headers.authorization, undefined);
      assert.equal(seen.headers['x-token'], undefined);
      assert.equal(seen.headers['x-api-key'], undefined);
      assert.equal(seen.headers.cookie, undefined);
      // The API-key parameter is dropped by name whoever set it; other auth types leave the server's query alone.
      assert.equal(seen.query.api_key, auth.apiKeyIn === 'query' ? undefined : 'leak');
      assert.doesNotMatch(JSON.stringify(seen), /secret/);
    }
  });

  it('a redirect on the same origin keeps the credentials', async () => {
    const { msg } = await run({
      connection: connection({ authType: 'bearer' }),
      credentials: { token: 'same-origin' },
      node: { path: '/to-same' },
    });
    assert.deepEqual(msg.payload, [{ auth: 'Bearer same-origin' }]);
    assert.equal(msg.responseUrl, `${api.url}/landing-here`);
  });

  it('a redirect loop ends with a clear error', async () => {
    const { caught } = await run({ connection: connection(), node: { path: '/loop' } });
    assert.equal(caught.error.code, 'ERR_HTTP_STATUS');
    assert.match(caught.error.message, /redirect/i);
  });
});

describe('proxy and TLS settings of a deployed connection', function () {
  let certs;
  let httpsApi;
  let proxy;
  useNodeRed();
  before(async () => {
    certs = await getCerts();
    httpsApi = await startHttpsServer({ key: certs.server.key, cert: certs.server.cert }, (req, res) =>
      json(res, 200, [{ via: 'https', auth: req.headers.authorization || null }]),
    );
    proxy = await startProxy({ username: 'proxy-user', password: 'proxy-pass' });
  });
  after(async () => {
    await httpsApi.close();
    await proxy.close();
  });

  it('reaches an HTTPS API through an authenticating proxy with CONNECT, trusting a private CA from credentials', async () => {
    const { msg } = await run({
      connection: { baseUrl: httpsApi.url, useProxy: true, proxyUrl: proxy.url, authType: 'bearer' },
      credentials: { proxyUsername: 'proxy-user', proxyPassword: 'proxy-pass', caCert: certs.ca.cert, token: 't0ken' },
      node: { path: '/data' },
    });
    assert.deepEqual(msg.payload, [{ via: 'https', auth: 'Bearer t0ken' }]);
    const entry = proxy.log.at(-1);
    assert.equal(entry.method, 'CONNECT');
    assert.equal(entry.authorized, true);
  });

  it('a wrong proxy password is ERR_PROXY, without the password in the message', async () => {
    const { caught } = await run({
      connection: { baseUrl: httpsApi.url, useProxy: true, proxyUrl: proxy.url, retries: 0 },
      credentials: { proxyUsername: 'proxy-user', proxyPassword: 'wrong-pass', caCert: certs.ca.cert },
      node: { path: '/data' },
    });
    assert.equal(caught.error.code, 'ERR_PROXY');
    assert.doesNotMatch(JSON.stringify(caught), /wrong-pass/);
  });

  it('an unknown CA is ERR_TLS', async () => {
    const { caught } = await run({ connection: { baseUrl: httpsApi.url, retries: 0 }, node: { path: '/data' } });
    assert.equal(caught.error.code, 'ERR_TLS');
  });

  it('tlsMinVersion SSLv3 is refused as ERR_CONFIG saying SSL3 is not available', async () => {
    const { caught } = await run({
      connection: { baseUrl: httpsApi.url, tlsMinVersion: 'SSLv3' },
      node: { path: '/data' },
    });
    assert.equal(caught.error.code, 'ERR_CONFIG');
    assert.match(caught.error.message, /SSL ?3/i);
  });
});
