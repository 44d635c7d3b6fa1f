/**
 * Transport through proxies: real proxy-chain proxies (plain and TLS) and real API servers on
 * loopback, requests sent with got using the Transport's agents. These check the Basic exchange
 * (proxyAuthScheme basic: credentials with the first CONNECT); auto, Digest and NTLM are
 * tested against Squid in test/transport/proxy-auth-squid.test.ts.
 */
import assert from 'node:assert/strict';
import type { RestError } from '../../lib/errors';
import net from 'node:net';
import Wreck from '@hapi/wreck';
import { assertNoSecret } from '../support/secret-scan';
import { loadGot } from '../../lib/http/load-got';
import { Transport } from '../../lib/transport';
import type { TransportOptions, TransportSettings } from '../../lib/transport/settings';
import {
  assertCredentialsRefused,
  get,
  PROXY_PASSWORD,
  PROXY_USER,
  proxiedSettings,
  transportSettings,
} from './transport-support';
import { getTestPki, type TestPki } from '../support/peers/tls-material';
import { startServer, type LoopbackServer } from '../support/loopback-server';
import { startProxy, type LoopbackProxy } from '../support/proxy-chain-server';
import { freePort as unusedPort } from '../support/peers/free-port';

describe('transport: proxy', function () {
  let certs: TestPki;
  let httpApi: LoopbackServer;
  let httpsApi: LoopbackServer;
  let proxy: LoopbackProxy;
  const transports: Transport[] = [];

  /** A Transport that is destroyed after the suite. */
  function open(settings: Partial<TransportSettings>, options?: TransportOptions): Transport {
    const transport = new Transport(transportSettings({ proxyAuthScheme: 'basic', ...settings }), options);
    transports.push(transport);
    return transport;
  }

  function viaProxy(overrides: Partial<TransportSettings> = {}): Transport {
    const transport = new Transport(proxiedSettings(proxy.url, certs.ca.cert, overrides));
    transports.push(transport);
    return transport;
  }

  before(async function () {
    certs = await getTestPki();
    httpApi = await startServer();
    httpsApi = await startServer({ tls: certs.server });
    proxy = await startProxy({ username: PROXY_USER, password: PROXY_PASSWORD });
  });

  beforeEach(function () {
    proxy.log.length = 0;
    httpApi.requests.length = 0;
    httpsApi.requests.length = 0;
  });

  after(async function () {
    for (const transport of transports) transport.destroy();
    await Promise.all([httpApi.close(), httpsApi.close(), proxy.close()]);
  });

  it('tunnels an HTTP request through the proxy with CONNECT, with Basic credentials', async function () {
    const transport = viaProxy();
    const { statusCode, body } = await get(transport, `${httpApi.url}/plain?x=1`);
    assert.equal(statusCode, 200);
    assert.equal(body.url, '/plain?x=1');
    assert.deepEqual(
      proxy.log.map(({ method, isHttp, hostname, port, username, authorized }) => ({
        method,
        isHttp,
        hostname,
        port,
        username,
        authorized,
      })),
      [
        {
          method: 'CONNECT',
          isHttp: false,
          hostname: '127.0.0.1',
          port: httpApi.port,
          username: PROXY_USER,
          authorized: true,
        },
      ],
    );
    assert.equal(httpApi.requests.length, 1);
    assert.equal(httpApi.requests[0]?.headers['proxy-authorization'], undefined, 'proxy credentials stay at the proxy');
  });

  it('tunnels an HTTPS request through the proxy with CONNECT, verifying the server with caCert', async function () {
    const transport = viaProxy();
    const { statusCode, body } = await get(transport, `${httpsApi.url}/secure`);
    assert.equal(statusCode, 200);
    assert.equal(body.url, '/secure');
    assert.equal(proxy.log.length, 1);
    assert.equal(proxy.log[0]?.method, 'CONNECT');
    assert.equal(proxy.log[0]?.port, httpsApi.port);
    assert.equal(proxy.log[0]?.authorized, true);
    assert.equal(httpsApi.requests.length, 1);
  });

  it('applies the TLS settings inside the tunnel (no caCert: ERR_TLS, not trusted)', async function () {
    const transport = viaProxy({ caCert: '' });
    await assert.rejects(get(transport, `${httpsApi.url}/secure`), (err: RestError) => {
      assert.equal(err.code, 'ERR_TLS');
      assert.match(err.message, /not trusted/);
      return true;
    });
    assert.equal(proxy.log[0]?.method, 'CONNECT');
  });

  it('reuses its agents and their keep-alive connections', async function () {
    const transport = viaProxy();
    const url = new URL(`${httpsApi.url}/again`);
    assert.equal(transport.agentsFor(url).https, transport.agentsFor(url).https);
    assert.equal(transport.agentsFor(url).http, transport.agentsFor(new URL(`${httpApi.url}/x`)).http);
    for (let i = 0; i < 3; i++) await get(transport, url.href);
    assert.equal(httpsApi.requests.length, 3);
    assert.equal(proxy.log.length, 1, 'one CONNECT tunnel serves all three requests');
  });

  it('keeps the tunnel to an HTTP target alive for the next requests', async function () {
    const transport = viaProxy();
    for (let i = 0; i < 3; i++)
      assert.equal((await get(transport, `${httpApi.url}/again/${i}`)).body.url, `/again/${i}`);
    assert.deepEqual(
      proxy.log.map((entry) => [entry.method, entry.port]),
      [['CONNECT', httpApi.port]],
      'one CONNECT tunnel serves all three requests',
    );
    assert.deepEqual(
      httpApi.requests.map((request) => request.url),
      ['/again/0', '/again/1', '/again/2'],
    );
  });

  it('auto (the default): no credentials until the proxy asks for Basic, then Basic for every tunnel', async function () {
    const transport = viaProxy({ proxyAuthScheme: 'auto' });
    await get(transport, `${httpsApi.url}/first`);
    await get(transport, `${httpApi.url}/second`);
    assert.deepEqual(
      proxy.log.map(({ port, username, authorized }) => [port, username, authorized]),
      [
        [httpsApi.port, '', false],
        [httpsApi.port, PROXY_USER, true],
        [httpApi.port, PROXY_USER, true],
      ],
      'one 407 teaches the scheme; the next tunnel sends Basic at once',
    );
  });

  for (const target of ['HTTPS', 'HTTP'] as const) {
    it(`fails with ERR_PROXY 407 when the proxy refuses the password (${target} target)`, async function () {
      const api = target === 'HTTPS' ? httpsApi : httpApi;
      const transport = viaProxy({ proxyPassword: 'wrong-password-123' });
      await assertCredentialsRefused(get(transport, `${api.url}/x`), ['wrong-password-123', PROXY_PASSWORD]);
      assert.equal(api.requests.length, 0);
    });
  }

  it('says credentials are needed when none are configured', async function () {
    const transport = viaProxy({ proxyUsername: '', proxyPassword: '' });
    await assert.rejects(get(transport, `${httpsApi.url}/x`), (err: RestError) => {
      assert.equal(err.code, 'ERR_PROXY');
      assert.match(err.message, /requires authentication.*set proxyUsername and proxyPassword/);
      return true;
    });
  });

  it('sends DOMAIN\\user when proxyDomain is set', async function () {
    const domainProxy = await startProxy({ username: 'CORP\\alice', password: PROXY_PASSWORD });
    try {
      const transport = viaProxy({ proxyUrl: domainProxy.url, proxyDomain: 'CORP' });
      await get(transport, `${httpsApi.url}/x`);
      await get(transport, `${httpApi.url}/y`);
      assert.deepEqual(
        domainProxy.log.map((entry) => [entry.method, entry.username, entry.authorized]),
        [
          ['CONNECT', 'CORP\\alice', true],
          ['CONNECT', 'CORP\\alice', true],
        ],
      );
    } finally {
      await domainProxy.close();
    }
  });

  it('uses credentials given in proxyUrl when proxyUsername is empty', async function () {
    const transport = viaProxy({
      proxyUrl: `http://${PROXY_USER}:${encodeURIComponent(PROXY_PASSWORD)}@127.0.0.1:${proxy.port}`,
      proxyUsername: '',
      proxyPassword: '',
    });
    await get(transport, `${httpApi.url}/x`);
    assert.equal(proxy.log[0]?.authorized, true);
  });

  it('bypasses the proxy for hosts in noProxy', async function () {
    const transport = viaProxy({ noProxy: 'example.com, 127.0.0.1' });
    await get(transport, `${httpApi.url}/direct`);
    await get(transport, `${httpsApi.url}/direct`);
    assert.equal(proxy.log.length, 0, 'the proxy saw nothing');
    assert.equal(httpApi.requests.length, 1);
    assert.equal(httpsApi.requests.length, 1);
  });

  it('applies a noProxy entry with a port to that port only', async function () {
    const transport = viaProxy({ noProxy: `127.0.0.1:${httpApi.port}` });
    await get(transport, `${httpApi.url}/direct`);
    await get(transport, `${httpsApi.url}/proxied`);
    assert.deepEqual(
      proxy.log.map((entry) => [entry.method, entry.port]),
      [['CONNECT', httpsApi.port]],
    );
  });

  it('uses HTTP_PROXY / HTTPS_PROXY from the environment when useProxy is off', async function () {
    const env = {
      HTTP_PROXY: `http://${PROXY_USER}:${encodeURIComponent(PROXY_PASSWORD)}@127.0.0.1:${proxy.port}`,
      https_proxy: `127.0.0.1:${proxy.port}`,
    };
    const transport = open(
      { caCert: certs.ca.cert, proxyUsername: PROXY_USER, proxyPassword: PROXY_PASSWORD },
      { env },
    );
    await get(transport, `${httpApi.url}/env`);
    await get(transport, `${httpsApi.url}/env`);
    assert.deepEqual(
      proxy.log.map((entry) => [entry.method, entry.authorized]),
      [
        ['CONNECT', true],
        ['CONNECT', true],
      ],
    );
  });

  it('honours NO_PROXY from the environment', async function () {
    const env = { http_proxy: proxy.url, HTTPS_PROXY: proxy.url, NO_PROXY: 'localhost,.local,127.0.0.1' };
    const transport = open({ caCert: certs.ca.cert }, { env });
    await get(transport, `${httpApi.url}/env`);
    await get(transport, `${httpsApi.url}/env`);
    assert.equal(proxy.log.length, 0);
    assert.equal(httpApi.requests.length + httpsApi.requests.length, 2);
  });

  it('ignores the environment when useProxy is on', async function () {
    const env = { HTTP_PROXY: 'http://127.0.0.1:9', HTTPS_PROXY: 'http://127.0.0.1:9', NO_PROXY: '*' };
    const transport = open(
      { useProxy: true, proxyUrl: proxy.url, proxyUsername: PROXY_USER, proxyPassword: PROXY_PASSWORD },
      { env },
    );
    await get(transport, `${httpApi.url}/own-proxy`);
    assert.equal(proxy.log.length, 1);
  });

  it('connects directly when no proxy is configured anywhere', async function () {
    const transport = open({ caCert: certs.ca.cert }, { env: {} });
    await get(transport, `${httpApi.url}/x`);
    await get(transport, `${httpsApi.url}/x`);
    assert.equal(proxy.log.length, 0);
    assert.equal(httpApi.requests.length + httpsApi.requests.length, 2);
  });

  it('fails with ERR_PROXY when the proxy cannot be reached', async function () {
    const port = await unusedPort();
    const transport = viaProxy({ proxyUrl: `http://127.0.0.1:${port}` });
    for (const url of [`${httpsApi.url}/x`, `${httpApi.url}/x`]) {
      await assert.rejects(get(transport, url), (err: RestError) => {
        assert.equal(err.code, 'ERR_PROXY');
        assert.match(err.message, new RegExp(`Cannot reach the proxy http://127.0.0.1:${port}: connection refused`));
        return true;
      });
    }
  });

  it('fails with ERR_PROXY when the proxy accepts the connection but never answers CONNECT', async function () {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as net.AddressInfo;
      const transport = viaProxy({ proxyUrl: `http://127.0.0.1:${port}`, timeout: 300 });
      for (const url of [`${httpsApi.url}/x`, `${httpApi.url}/x`]) {
        await assert.rejects(get(transport, url), (err: RestError) => {
          assert.equal(err.code, 'ERR_PROXY');
          assert.match(err.message, /did not answer in time/);
          return true;
        });
      }
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('rejects a bad proxy URL with ERR_CONFIG, without echoing it', function () {
    const cases: [Partial<TransportSettings>, RegExp][] = [
      [{ useProxy: true, proxyUrl: '' }, /proxyUrl is empty/],
      [{ useProxy: true, proxyUrl: 'http://user:hunter2secret@[bad' }, /The proxyUrl setting is not a valid proxy URL/],
      [
        { useProxy: true, proxyUrl: 'socks5://127.0.0.1:1080' },
        /The proxyUrl setting must start with http:\/\/ or https:\/\/ \(socks5/,
      ],
    ];
    for (const [settings, message] of cases) {
      assert.throws(
        () => new Transport(transportSettings(settings)),
        (err: RestError) => {
          assert.equal(err.code, 'ERR_CONFIG');
          assert.match(err.message, message);
          assertNoSecret(err, ['hunter2secret']);
          return true;
        },
      );
    }
    assert.throws(
      () => new Transport(transportSettings(), { env: { HTTPS_PROXY: 'ftp://proxy:21' } }),
      (err: RestError) =>
        err.code === 'ERR_CONFIG' && /HTTPS_PROXY environment variable must start with http/.test(err.message),
    );
  });

  it('serves @hapi/wreck (used by simple-oauth2) with the same agents and classifies its errors', async function () {
    const transport = viaProxy();
    const url = `${httpsApi.url}/token`;
    const res = await Wreck.request('GET', url, { agent: transport.agentsFor(new URL(url)).https });
    const payload = await Wreck.read<{ url: string }>(res, { json: true });
    assert.equal(payload.url, '/token');
    assert.equal(proxy.log[0]?.method, 'CONNECT');

    const refused = viaProxy({ proxyPassword: 'wrong-password-123' });
    const err = await Wreck.request('GET', url, { agent: refused.agentsFor(new URL(url)).https }).catch(
      (e: unknown) => e,
    );
    const classified = refused.classifyError(err);
    assert.equal(classified?.code, 'ERR_PROXY');
    assert.equal(classified?.statusCode, 407);
  });

  it('returns undefined for errors that are not about TLS or a proxy', async function () {
    const transport = viaProxy({ noProxy: '*' });
    const port = await unusedPort();
    const { got } = await loadGot();
    const err: unknown = await got(`http://127.0.0.1:${port}/`, {
      agent: transport.agentsFor(new URL(`http://127.0.0.1:${port}/`)),
      retry: { limit: 0 },
    }).catch((e: unknown) => e);
    assert.equal((err as NodeJS.ErrnoException).code, 'ECONNREFUSED');
    assert.equal(transport.classifyError(err), undefined);
    assert.equal(transport.classifyError(new Error('anything')), undefined);
  });

  it('closes every socket on destroy()', async function () {
    const api = await startServer();
    const tlsApi = await startServer({ tls: certs.server });
    const openConnections = (server: LoopbackServer['server']) =>
      new Promise<number>((resolve) => server.getConnections((_e, n) => resolve(n)));
    try {
      const proxied = new Transport(
        transportSettings({
          useProxy: true,
          proxyUrl: proxy.url,
          proxyUsername: PROXY_USER,
          proxyPassword: PROXY_PASSWORD,
          caCert: certs.ca.cert,
        }),
      );
      const direct = new Transport(transportSettings());
      await get(proxied, `${tlsApi.url}/tunnelled`);
      await get(proxied, `${api.url}/tunnelled`);
      await get(direct, `${api.url}/direct`);
      assert.equal(await openConnections(tlsApi.server), 1, 'keep-alive holds the tunnel open');
      assert.equal(await openConnections(api.server), 2, 'keep-alive holds the tunnel and the connection open');
      proxied.destroy();
      direct.destroy();
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(await openConnections(tlsApi.server), 0);
      assert.equal(await openConnections(api.server), 0);
      assert.throws(() => direct.agentsFor(new URL(api.url)), /closed/);
    } finally {
      await Promise.all([api.close(), tlsApi.close()]);
    }
  });
});

describe('transport: HTTPS proxy', function () {
  let certs: TestPki;
  let httpApi: LoopbackServer;
  let httpsApi: LoopbackServer;
  let tlsProxy: LoopbackProxy;
  const transports: Transport[] = [];

  before(async function () {
    certs = await getTestPki();
    httpApi = await startServer();
    httpsApi = await startServer({ tls: certs.server });
    tlsProxy = await startProxy({
      username: PROXY_USER,
      password: PROXY_PASSWORD,
      httpsOptions: { key: certs.server.key, cert: certs.server.cert },
    });
  });

  after(async function () {
    for (const transport of transports) transport.destroy();
    await Promise.all([httpApi.close(), httpsApi.close(), tlsProxy.close()]);
  });

  function open(overrides: Partial<TransportSettings> = {}): Transport {
    const transport = new Transport(proxiedSettings(`https://localhost:${tlsProxy.port}`, certs.ca.cert, overrides));
    transports.push(transport);
    return transport;
  }

  it('reaches HTTP and HTTPS targets through a proxy served over TLS (verified with caCert)', async function () {
    const transport = open();
    assert.equal((await get(transport, `${httpsApi.url}/over-tls`)).body.url, '/over-tls');
    assert.equal((await get(transport, `${httpApi.url}/plain`)).body.url, '/plain');
    assert.deepEqual(
      tlsProxy.log.map((entry) => [entry.method, entry.authorized]),
      [
        ['CONNECT', true],
        ['CONNECT', true],
      ],
    );
  });

  it("fails with ERR_PROXY naming TLS when the proxy's certificate is not trusted", async function () {
    const transport = open({ caCert: '' });
    for (const url of [`${httpsApi.url}/x`, `${httpApi.url}/x`]) {
      await assert.rejects(get(transport, url), (err: RestError) => {
        assert.equal(err.code, 'ERR_PROXY');
        assert.match(err.message, /TLS connection to the proxy https:\/\/localhost:\d+ failed: .*not trusted/);
        return true;
      });
    }
  });
});
