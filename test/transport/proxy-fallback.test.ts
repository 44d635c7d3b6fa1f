/**
 * Plain-HTTP targets behind a proxy that will not tunnel to them: many proxies allow CONNECT to
 * TLS ports only. The request is then forwarded in absolute form (`GET http://host/path`), and
 * the Transport remembers that for the target, so later requests do not ask for a tunnel again.
 * Real proxy-chain proxies refuse CONNECT through prepareRequestFunction.
 */
import assert from 'node:assert/strict';
import type { RestError } from '../../lib/errors';
import { Transport } from '../../lib/transport';
import { assertCredentialsRefused, get, PROXY_PASSWORD, PROXY_USER, proxiedSettings } from './transport-support';
import { getTestPki, type TestPki } from '../support/peers/tls-material';
import { json, startServer, type Handler, type LoopbackServer } from '../support/loopback-server';
import { startProxy, type LoopbackProxy } from '../support/proxy-chain-server';
import { loadGot } from '../../lib/http/load-got';
import type { TransportSettings } from '../../lib/transport/settings';

/** Echoes method, url and the request body as JSON. */
const echoWithBody: Handler = (_req, res, received) =>
  json(res, 200, { method: received.method, url: received.url, body: received.body });

/** A proxy that checks Basic credentials, then refuses CONNECT to the ports in its `refusals`. */
const startRefusingProxy = (httpsOptions?: { key: string; cert: string }) =>
  startProxy({ username: PROXY_USER, password: PROXY_PASSWORD, httpsOptions });

/** What the proxy saw: [method, port, the status it refused with (407: credentials) or 0]. */
const tuples = (proxy: LoopbackProxy) =>
  proxy.log.map((entry) => [entry.method, entry.port, entry.authorized ? entry.refused : 407]);

describe('transport: proxy refusing CONNECT to plain-HTTP targets', function () {
  let certs: TestPki;
  let httpApi: LoopbackServer;
  let otherHttpApi: LoopbackServer;
  let httpsApi: LoopbackServer;
  let proxy: LoopbackProxy;
  const transports: Transport[] = [];

  function viaProxy(overrides: Partial<TransportSettings> = {}): Transport {
    const transport = new Transport(proxiedSettings(proxy.url, certs.ca.cert, overrides));
    transports.push(transport);
    return transport;
  }

  async function post(
    transport: Transport,
    url: string,
    body: object,
  ): Promise<{ method: string; url: string; body: string }> {
    const { got } = await loadGot();
    const response = await got.post(url, {
      agent: transport.agentsFor(new URL(url)),
      json: body,
      retry: { limit: 0 },
      timeout: { request: 5000 },
    });
    return JSON.parse(response.body) as { method: string; url: string; body: string };
  }

  before(async function () {
    certs = await getTestPki();
    httpApi = await startServer({ handler: echoWithBody });
    otherHttpApi = await startServer({ handler: echoWithBody });
    httpsApi = await startServer({ tls: certs.server });
    proxy = await startRefusingProxy();
  });

  beforeEach(function () {
    proxy.log.length = 0;
    proxy.refusals.clear();
    proxy.refusals.set(httpApi.port, 403);
    for (const api of [httpApi, otherHttpApi, httpsApi]) api.requests.length = 0;
  });

  after(async function () {
    for (const transport of transports) transport.destroy();
    await Promise.all([httpApi.close(), otherHttpApi.close(), httpsApi.close(), proxy.close()]);
  });

  it('forwards the request in absolute form when CONNECT is refused (403), and remembers it', async function () {
    const transport = viaProxy();
    const first = await get(transport, `${httpApi.url}/first?x=1`);
    assert.equal(first.statusCode, 200);
    assert.equal(first.body.url, '/first?x=1');
    assert.deepEqual(tuples(proxy), [
      ['CONNECT', httpApi.port, 403],
      ['GET', httpApi.port, 0],
    ]);

    const second = await get(transport, `${httpApi.url}/second`);
    assert.equal(second.body.url, '/second');
    assert.deepEqual(tuples(proxy).slice(2), [['GET', httpApi.port, 0]], 'no second CONNECT attempt');
    assert.deepEqual(
      httpApi.requests.map((request) => [request.method, request.url, request.headers['proxy-authorization']]),
      [
        ['GET', '/first?x=1', undefined],
        ['GET', '/second', undefined],
      ],
      'the API gets origin-form requests and never the proxy credentials',
    );
  });

  for (const status of [405, 501]) {
    it(`falls back the same way when the proxy answers CONNECT with ${status}`, async function () {
      proxy.refusals.set(httpApi.port, status);
      const transport = viaProxy();
      assert.equal((await get(transport, `${httpApi.url}/a`)).body.url, '/a');
      assert.equal((await get(transport, `${httpApi.url}/b`)).body.url, '/b');
      assert.deepEqual(tuples(proxy), [
        ['CONNECT', httpApi.port, status],
        ['GET', httpApi.port, 0],
        ['GET', httpApi.port, 0],
      ]);
    });
  }

  it('remembers the fallback per target: another HTTP target still gets a tunnel', async function () {
    const transport = viaProxy();
    await get(transport, `${httpApi.url}/refused`);
    await get(transport, `${otherHttpApi.url}/tunnelled`);
    await get(transport, `${otherHttpApi.url}/tunnelled-again`);
    assert.deepEqual(tuples(proxy), [
      ['CONNECT', httpApi.port, 403],
      ['GET', httpApi.port, 0],
      ['CONNECT', otherHttpApi.port, 0],
    ]);
    assert.deepEqual(
      otherHttpApi.requests.map((request) => request.url),
      ['/tunnelled', '/tunnelled-again'],
    );
  });

  it('sends the body of the request that found CONNECT refused intact', async function () {
    const transport = viaProxy();
    const payload = { name: 'Zoë', items: [1, 2, 3], text: 'x'.repeat(5000) };
    const first = await post(transport, `${httpApi.url}/items`, payload);
    assert.deepEqual([first.method, first.url, JSON.parse(first.body)], ['POST', '/items', payload]);
    const second = await post(transport, `${httpApi.url}/items`, { again: true });
    assert.deepEqual(JSON.parse(second.body), { again: true });
    assert.deepEqual(tuples(proxy), [
      ['CONNECT', httpApi.port, 403],
      ['POST', httpApi.port, 0],
      ['POST', httpApi.port, 0],
    ]);
  });

  it('serves concurrent first requests through the fallback', async function () {
    const transport = viaProxy();
    const bodies = await Promise.all(
      Array.from({ length: 5 }, (_unused, i) => get(transport, `${httpApi.url}/burst/${i}`)),
    );
    assert.deepEqual(
      bodies.map(({ body }) => body.url),
      [0, 1, 2, 3, 4].map((i) => `/burst/${i}`),
    );
    const before = tuples(proxy).filter(([method]) => method === 'CONNECT').length;
    await get(transport, `${httpApi.url}/after-burst`);
    assert.equal(tuples(proxy).filter(([method]) => method === 'CONNECT').length, before, 'no CONNECT after the burst');
  });

  it('closes the connection that carried the fallback request, keeps the forwarding one alive, destroy() closes it', async function () {
    const ownProxy = await startRefusingProxy();
    ownProxy.refusals.set(httpApi.port, 403);
    const openConnections = () => ownProxy.openConnections();
    try {
      const transport = viaProxy({ proxyUrl: ownProxy.url });
      await get(transport, `${httpApi.url}/one`);
      await get(transport, `${httpApi.url}/two`);
      await get(transport, `${httpApi.url}/three`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(openConnections(), 1, 'only the kept-alive forwarding connection is open');
      assert.deepEqual(tuples(ownProxy).slice(1), [
        ['GET', httpApi.port, 0],
        ['GET', httpApi.port, 0],
        ['GET', httpApi.port, 0],
      ]);
      transport.destroy();
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(openConnections(), 0);
    } finally {
      await ownProxy.close();
    }
  });

  it('never forwards an HTTPS request: a refused CONNECT to an HTTPS target is ERR_PROXY', async function () {
    proxy.refusals.set(httpsApi.port, 403);
    const transport = viaProxy();
    for (let i = 0; i < 2; i++) {
      await assert.rejects(get(transport, `${httpsApi.url}/secure`), (err: RestError) => {
        assert.equal(err.code, 'ERR_PROXY');
        assert.equal(err.statusCode, 403);
        assert.match(
          err.message,
          new RegExp(`would not open a connection to 127.0.0.1:${httpsApi.port} \\(HTTP 403\\)`),
        );
        return true;
      });
    }
    assert.deepEqual(tuples(proxy), [
      ['CONNECT', httpsApi.port, 403],
      ['CONNECT', httpsApi.port, 403],
    ]);
    assert.equal(httpsApi.requests.length, 0);
  });

  it('does not fall back when CONNECT fails for another reason (502): ERR_PROXY', async function () {
    proxy.refusals.set(httpApi.port, 502);
    const transport = viaProxy();
    await assert.rejects(get(transport, `${httpApi.url}/x`), (err: RestError) => {
      assert.equal(err.code, 'ERR_PROXY');
      assert.equal(err.statusCode, 502);
      assert.match(err.message, /would not open a connection to 127\.0\.0\.1:\d+ \(HTTP 502\)/);
      return true;
    });
    assert.deepEqual(tuples(proxy), [['CONNECT', httpApi.port, 502]]);
    assert.equal(httpApi.requests.length, 0);
  });

  it('a wrong proxy password is still ERR_PROXY 407 for an HTTP target, password not shown', async function () {
    const transport = viaProxy({ proxyPassword: 'wrong-password-123' });
    await assertCredentialsRefused(get(transport, `${httpApi.url}/x`), ['wrong-password-123', PROXY_PASSWORD]);
    assert.deepEqual(tuples(proxy), [['CONNECT', httpApi.port, 407]]);
  });

  describe('through a proxy served over TLS', function () {
    let tlsProxy: LoopbackProxy;

    before(async function () {
      tlsProxy = await startRefusingProxy({ key: certs.server.key, cert: certs.server.cert });
      tlsProxy.refusals.set(httpApi.port, 403);
    });

    after(async function () {
      await tlsProxy.close();
    });

    it('forwards over the TLS connection to the proxy, verified with caCert', async function () {
      const transport = viaProxy({ proxyUrl: `https://localhost:${tlsProxy.port}` });
      assert.equal((await get(transport, `${httpApi.url}/over-tls`)).body.url, '/over-tls');
      assert.equal((await get(transport, `${httpApi.url}/over-tls-again`)).body.url, '/over-tls-again');
      assert.deepEqual(tuples(tlsProxy), [
        ['CONNECT', httpApi.port, 403],
        ['GET', httpApi.port, 0],
        ['GET', httpApi.port, 0],
      ]);
    });
  });
});
