/**
 * Proxy authentication (proxyAuthScheme auto, basic, digest, ntlm) against Debian's Squid and
 * its own helpers: ntlm_fake_auth (a real NTLM handshake; it accepts any password),
 * digest_file_auth and basic_ncsa_auth (real password checks). Each Squid refuses CONNECT to
 * ports it is not given (as its default config does for port 80), so plain-HTTP targets are
 * both tunnelled (`tunnelledApi`) and forwarded in absolute form (`forwardedApi`).
 * Squid's access log shows what it saw: method, status, authenticated user and the scheme of
 * the Proxy-Authorization sent (`sent`). It writes a tunnel's line when the tunnel closes.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import util from 'node:util';
import { RestClient } from '../../lib/http/rest-client';
import { connectionDefaults } from '../../lib/definitions';
import { Transport, type TransportSettings } from '../../lib/transport';
import { startServer, type LoopbackServer as LoopbackApi, type ReceivedRequest } from '../support/loopback-server';
import { getTestPki, type TestPki } from '../support/peers/tls-material';
import { requirePeer } from '../support/peers/debian-peers';
import {
  startSquid,
  type SquidLogEntry as AccessLogEntry,
  type SquidProxy as Squid,
  type SquidOptions,
} from '../support/peers/squid';

const USER = 'alice';
/** A colon and non-ASCII: its base64 and URL-encoded forms differ from the raw one. */
const PASSWORD = 'Pr0xy-s3cret: pässwörd';
const WRONG_PASSWORD = 'wr0ng-Secret: nöpe';
const DOMAIN = 'CORP';

type Scheme = TransportSettings['proxyAuthScheme'];

const httpsApiOf = (pki: TestPki) => startServer({ tls: pki.server });

/** Who may use the proxies. NTLM logs a user with its domain, and the fake NTLM helper lets only listed names through. */
const SQUID_USERS = [USER, `${DOMAIN}\\${USER}`, 'EAST\\bob'].map((username) => ({ username, password: PASSWORD }));

/** Every form a password could leak in. */
function secretForms(password: string, user = USER): string[] {
  return [
    password,
    encodeURIComponent(password),
    Buffer.from(password).toString('base64'),
    Buffer.from(`${user}:${password}`).toString('base64'),
    Buffer.from(`${DOMAIN}\\${user}:${password}`).toString('base64'),
  ];
}

function assertNoSecret(err: unknown, password: string): void {
  const shown = `${(err as Error).message}\n${String(err)}\n${util.inspect(err, { depth: 8 })}`;
  for (const form of secretForms(password)) assert.ok(!shown.includes(form), `the error must not show ${form}`);
}

describe('transport: proxy authentication against Squid', function () {
  this.timeout(60000);
  let certs: TestPki;
  /** Squid may CONNECT to these. */
  let httpsApi: LoopbackApi;
  let otherHttpsApi: LoopbackApi;
  let tunnelledApi: LoopbackApi;
  /** Squid refuses CONNECT to this one: its requests are forwarded. */
  let forwardedApi: LoopbackApi;
  const transports: Transport[] = [];
  const squids: Squid[] = [];

  before(async function () {
    requirePeer(this, 'squid');
    certs = await getTestPki();
    [httpsApi, otherHttpsApi, tunnelledApi, forwardedApi] = await Promise.all([
      httpsApiOf(certs),
      httpsApiOf(certs),
      startServer(),
      startServer(),
    ]);
  });

  afterEach(function () {
    for (const transport of transports.splice(0)) transport.destroy();
    for (const api of [httpsApi, otherHttpsApi, tunnelledApi, forwardedApi]) api?.requests.splice(0);
  });

  after(async function () {
    await Promise.all(squids.map((squid) => squid.close()));
    await Promise.all([httpsApi, otherHttpsApi, tunnelledApi, forwardedApi].map((api) => api?.close()));
  });

  async function squidWith(options: Omit<SquidOptions, 'connectPorts'>): Promise<Squid> {
    const squid = await startSquid({
      users: SQUID_USERS,
      ...options,
      connectPorts: [httpsApi.port, otherHttpsApi.port, tunnelledApi.port],
    });
    squids.push(squid);
    return squid;
  }

  function viaSquid(squid: Pick<Squid, 'url'>, scheme: Scheme, overrides: Partial<TransportSettings> = {}): Transport {
    const transport = new Transport({
      ...connectionDefaults,
      timeout: 10000,
      useProxy: true,
      proxyUrl: squid.url,
      proxyAuthScheme: scheme,
      proxyUsername: USER,
      proxyPassword: PASSWORD,
      caCert: certs.ca.cert,
      ...overrides,
    });
    transports.push(transport);
    return transport;
  }

  /** A request with got through the transport's agents; failures come back classified. */
  async function send(transport: Transport, url: string, body?: unknown): Promise<{ method: string; url: string }> {
    const { got } = await import('got');
    try {
      const response = await got(url, {
        method: body === undefined ? 'GET' : 'POST',
        json: body,
        agent: transport.agentsFor(new URL(url)),
        retry: { limit: 0 },
        timeout: { request: 10000 },
      });
      return JSON.parse(response.body) as { method: string; url: string };
    } catch (err) {
      throw transport.classifyError(err) ?? err;
    }
  }

  /** Each URL fails with ERR_PROXY 407 and this message, showing none of the passwords. */
  async function assertProxyAuthFails(transport: Transport, urls: string[], message: RegExp, ...passwords: string[]) {
    for (const url of urls) {
      await assert.rejects(send(transport, url), (err: Error & { code?: string; statusCode?: number }) => {
        assert.equal(err.code, 'ERR_PROXY');
        assert.equal(err.statusCode, 407);
        assert.match(err.message, message);
        for (const password of [PASSWORD, ...passwords]) assertNoSecret(err, password);
        return true;
      });
    }
  }

  /**
   * Closes the transport (Squid logs a tunnel when it closes), waits until Squid has logged
   * `tunnels` tunnels after entry `from`, and returns the entries after `from`.
   */
  async function logOf(
    squid: Squid,
    from: number,
    transport: Transport | undefined,
    tunnels: number,
  ): Promise<AccessLogEntry[]> {
    transport?.destroy();
    const opened = (log: AccessLogEntry[]) => countOf(log, { method: 'CONNECT', status: 200 });
    let log = squid.accessLog().slice(from);
    for (const deadline = Date.now() + 10000; opened(log) < tunnels && Date.now() < deadline;) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      log = squid.accessLog().slice(from);
    }
    return log;
  }

  /** Counts connections per test: the APIs' counters are reset here. */
  function resetConnections(...apis: LoopbackApi[]): void {
    for (const api of apis) api.connections = 0;
  }

  const countOf = (log: AccessLogEntry[], match: Partial<AccessLogEntry>) =>
    log.filter((entry) => Object.entries(match).every(([key, value]) => entry[key as keyof AccessLogEntry] === value))
      .length;

  describe('NTLM (ntlm_fake_auth)', function () {
    let squid: Squid;
    /** Failing requests are logged when their connection closes, late: their own Squid keeps them out of the counts. */
    let squidForFailures: Squid;

    before(async function () {
      [squid, squidForFailures] = await Promise.all([squidWith({ auth: ['ntlm'] }), squidWith({ auth: ['ntlm'] })]);
    });

    for (const scheme of ['auto', 'ntlm'] as const) {
      it(`${scheme}: 8 concurrent then 8 sequential HTTPS requests share a few tunnels, each authenticated once by a handshake`, async function () {
        resetConnections(httpsApi);
        const from = squid.accessLog().length;
        const transport = viaSquid(squid, scheme, { proxyDomain: DOMAIN });
        const burst = await Promise.all(
          Array.from({ length: 8 }, (_x, i) => send(transport, `${httpsApi.url}/burst/${i}`)),
        );
        assert.deepEqual(
          burst.map((answer) => answer.url),
          Array.from({ length: 8 }, (_x, i) => `/burst/${i}`),
        );
        for (let i = 0; i < 8; i++)
          assert.equal((await send(transport, `${httpsApi.url}/next/${i}`)).url, `/next/${i}`);
        const tunnels = httpsApi.connections;
        assert.ok(tunnels >= 1 && tunnels <= 8, `16 requests over ${tunnels} tunnels`);
        assert.equal(httpsApi.requests.length, 16);
        assert.ok(httpsApi.requests.every((request) => request.headers['proxy-authorization'] === undefined));

        const log = await logOf(squid, from, transport, tunnels);
        const opened = log.filter((entry) => entry.method === 'CONNECT' && entry.status === 200);
        assert.equal(opened.length, tunnels, 'one CONNECT per tunnel');
        for (const entry of opened) assert.deepEqual([entry.user, entry.sent], [`${DOMAIN}\\${USER}`, 'NTLM']);
        // NEGOTIATE is answered 407 with the CHALLENGE once per tunnel; auto first asks without credentials.
        assert.equal(countOf(log, { method: 'CONNECT', status: 407, sent: 'NTLM' }), tunnels);
        const unauthenticated = countOf(log, { method: 'CONNECT', status: 407, sent: '-' });
        if (scheme === 'ntlm') assert.equal(unauthenticated, 0, 'ntlm starts the handshake at once');
        else assert.ok(unauthenticated >= 1 && unauthenticated <= tunnels, `${unauthenticated} CONNECTs learnt NTLM`);
      });

      it(`${scheme}: a plain-HTTP target Squid tunnels to: one authenticated tunnel kept alive`, async function () {
        resetConnections(tunnelledApi);
        const from = squid.accessLog().length;
        const transport = viaSquid(squid, scheme);
        for (let i = 0; i < 3; i++) assert.equal((await send(transport, `${tunnelledApi.url}/t/${i}`)).url, `/t/${i}`);
        assert.equal(tunnelledApi.connections, 1);
        const log = await logOf(squid, from, transport, 1);
        assert.deepEqual(
          log.filter((entry) => entry.status === 200).map((entry) => [entry.method, entry.user, entry.sent]),
          [['CONNECT', USER, 'NTLM']],
        );
      });

      it(`${scheme}: a plain-HTTP target Squid will not tunnel to: forwarded on an NTLM-authenticated connection, bodies intact`, async function () {
        resetConnections(forwardedApi);
        const from = squid.accessLog().length;
        const transport = viaSquid(squid, scheme, { proxyDomain: DOMAIN });
        const text = 'zoë '.repeat(2000);
        const posted = await Promise.all(
          [0, 1, 2].map((i) => send(transport, `${forwardedApi.url}/items/${i}`, { i, text })),
        );
        assert.deepEqual(
          posted.map((answer) => [answer.method, answer.url]),
          [0, 1, 2].map((i) => ['POST', `/items/${i}`]),
        );
        for (let i = 0; i < 3; i++)
          assert.equal((await send(transport, `${forwardedApi.url}/get/${i}`)).url, `/get/${i}`);

        assert.deepEqual(
          forwardedApi.requests.map((request) => request.method).sort(),
          ['GET', 'GET', 'GET', 'POST', 'POST', 'POST'],
          'the API got the requests and never a handshake probe',
        );
        for (const request of forwardedApi.requests.filter((r) => r.method === 'POST')) {
          assert.equal((JSON.parse(request.body) as { text: string }).text, text);
        }
        assert.ok(forwardedApi.requests.every((request) => request.headers['proxy-authorization'] === undefined));
        const log = await logOf(squid, from, transport, 0);
        const served = log.filter((entry) => entry.method === 'POST' || entry.method === 'GET');
        assert.equal(served.length, 6);
        assert.ok(served.every((entry) => entry.status === 200 && entry.user === `${DOMAIN}\\${USER}`));
        assert.ok(
          log.filter((entry) => entry.method === 'HEAD').every((entry) => entry.status === 407),
          'every HEAD probe was answered by Squid itself',
        );
        // The forwarding connection is kept: the three GETs needed one handshake at most.
        const probesAfterPosts = log.filter((entry) => entry.method === 'HEAD' && entry.sent === 'NTLM').length;
        assert.ok(probesAfterPosts <= 4, `${probesAfterPosts} NTLM probes for 3 single-use + 1 kept connection`);
      });
    }

    it('takes the NTLM domain from proxyUsername DOMAIN\\user over proxyDomain', async function () {
      const from = squid.accessLog().length;
      const transport = viaSquid(squid, 'ntlm', { proxyUsername: 'EAST\\bob', proxyDomain: DOMAIN });
      await send(transport, `${httpsApi.url}/domain`);
      const log = await logOf(squid, from, transport, 1);
      assert.deepEqual(
        log.filter((entry) => entry.status === 200).map((entry) => entry.user),
        ['EAST\\bob'],
      );
    });

    it('basic against this NTLM proxy: ERR_PROXY names NTLM and says the credentials were not checked', async function () {
      await assertProxyAuthFails(
        viaSquid(squidForFailures, 'basic'),
        [`${httpsApi.url}/x`, `${forwardedApi.url}/x`],
        /^The proxy \S+ asks for NTLM authentication \(407 Proxy Authentication Required\), but proxyAuthScheme is basic, so the credentials were not checked: set proxyAuthScheme to auto or ntlm$/,
      );
      assert.equal(forwardedApi.requests.length, 0);
    });
  });

  describe('Digest (digest_file_auth)', function () {
    let squid: Squid;
    let squidForFailures: Squid;

    before(async function () {
      [squid, squidForFailures] = await Promise.all([squidWith({ auth: ['digest'] }), squidWith({ auth: ['digest'] })]);
    });

    for (const scheme of ['auto', 'digest'] as const) {
      it(`${scheme}: the right password opens tunnels and forwards requests; one challenge serves them all`, async function () {
        resetConnections(httpsApi, otherHttpsApi, tunnelledApi);
        const from = squid.accessLog().length;
        const transport = viaSquid(squid, scheme);
        assert.equal((await send(transport, `${httpsApi.url}/one`)).url, '/one');
        assert.equal((await send(transport, `${otherHttpsApi.url}/two`)).url, '/two');
        assert.equal((await send(transport, `${tunnelledApi.url}/three`)).url, '/three');
        assert.equal((await send(transport, `${forwardedApi.url}/four`, { n: 4 })).url, '/four');
        assert.equal((await send(transport, `${forwardedApi.url}/five`)).url, '/five');
        const log = await logOf(squid, from, transport, 3);
        assert.equal(countOf(log, { status: 407 }), 1, `only the first request was challenged: ${JSON.stringify(log)}`);
        const passed = log.filter((entry) => entry.status === 200);
        assert.deepEqual(passed.map((entry) => entry.method).sort(), ['CONNECT', 'CONNECT', 'CONNECT', 'GET', 'POST']);
        assert.ok(passed.every((entry) => entry.user === USER && entry.sent === 'Digest'));
      });

      it(`${scheme}: a wrong password is ERR_PROXY 407 naming Digest, for tunnels and forwarded requests, no secret shown`, async function () {
        await assertProxyAuthFails(
          viaSquid(squidForFailures, scheme, { proxyPassword: WRONG_PASSWORD }),
          [`${httpsApi.url}/x`, `${forwardedApi.url}/x`],
          /refused the credentials \(Digest, 407 Proxy Authentication Required\)/,
          WRONG_PASSWORD,
        );
        assert.equal(httpsApi.requests.length + forwardedApi.requests.length, 0);
      });
    }

    describe('with a nonce good for two requests (nonce_max_count 2)', function () {
      let staleSquid: Squid;
      /** A tunnel to each: Squid calls the nonce stale at its fourth use (nc 4 > 2 uses counted before). */
      const targets: LoopbackApi[] = [];

      before(async function () {
        targets.push(...(await Promise.all([1, 2, 3, 4].map(() => httpsApiOf(certs)))));
        staleSquid = await startSquid({
          auth: ['digest'],
          users: [{ username: USER, password: PASSWORD }],
          extraConfig: ['auth_param digest nonce_max_count 2'],
          connectPorts: targets.map((target) => target.port),
        });
        squids.push(staleSquid);
      });

      after(async function () {
        await Promise.all(targets.map((target) => target.close()));
      });

      it('tunnels: the CONNECT that meets stale=true is answered again with the new nonce', async function () {
        const from = staleSquid.accessLog().length;
        const transport = viaSquid(staleSquid, 'digest');
        for (const target of targets) assert.equal((await send(transport, `${target.url}/t`)).url, '/t');
        const log = await logOf(staleSquid, from, transport, 4);
        assert.equal(countOf(log, { method: 'CONNECT', status: 200, user: USER }), 4);
        // The first CONNECT learns the challenge; a later one meets the stale nonce and is sent again.
        assert.equal(countOf(log, { method: 'CONNECT', status: 407, sent: '-' }), 1);
        assert.equal(countOf(log, { method: 'CONNECT', status: 407, sent: 'Digest' }), 1, JSON.stringify(log));
      });

      it('forwarded requests (RestClient): one that meets stale=true is sent again with the new nonce', async function () {
        const from = staleSquid.accessLog().length;
        const client = await RestClient.create(
          {
            ...connectionDefaults,
            baseUrl: forwardedApi.url,
            useProxy: true,
            proxyUrl: staleSquid.url,
            proxyAuthScheme: 'digest',
            retries: 0,
          },
          { proxyUsername: USER, proxyPassword: PASSWORD },
        );
        try {
          for (let i = 0; i < 5; i++)
            assert.equal((await client.request({ method: 'GET', path: `/r/${i}` })).statusCode, 200);
        } finally {
          await client.close();
        }
        assert.deepEqual(
          forwardedApi.requests.map((request) => request.url),
          [0, 1, 2, 3, 4].map((i) => `/r/${i}`),
          'each request reached the API once',
        );
        const gets = (await logOf(staleSquid, from, undefined, 0)).filter((entry) => entry.method === 'GET');
        assert.equal(countOf(gets, { status: 200, user: USER }), 5);
        assert.ok(
          countOf(gets, { status: 407, sent: 'Digest' }) >= 1,
          `a stale nonce was met: ${JSON.stringify(gets)}`,
        );
      });
    });
  });

  describe('Basic (basic_ncsa_auth)', function () {
    let squid: Squid;
    let squidForFailures: Squid;

    before(async function () {
      const options: Omit<SquidOptions, 'connectPorts'> = {
        auth: ['basic'],
        users: [{ username: `${DOMAIN}\\${USER}`, password: PASSWORD }],
      };
      [squid, squidForFailures] = await Promise.all([squidWith(options), squidWith(options)]);
    });

    for (const scheme of ['auto', 'basic'] as const) {
      it(`${scheme}: DOMAIN\\user from proxyDomain, through a tunnel and forwarded`, async function () {
        resetConnections(httpsApi);
        const from = squid.accessLog().length;
        const transport = viaSquid(squid, scheme, { proxyDomain: DOMAIN });
        assert.equal((await send(transport, `${httpsApi.url}/b`)).url, '/b');
        assert.equal((await send(transport, `${forwardedApi.url}/b`)).url, '/b');
        const log = await logOf(squid, from, transport, 1);
        const passed = log.filter((entry) => entry.status === 200);
        assert.deepEqual(passed.map((entry) => [entry.method, entry.user, entry.sent]).sort(), [
          ['CONNECT', `${DOMAIN}\\${USER}`, 'Basic'],
          ['GET', `${DOMAIN}\\${USER}`, 'Basic'],
        ]);
        // basic sends the password at once; auto only after the proxy asked for Basic.
        assert.equal(countOf(log, { status: 407 }), scheme === 'auto' ? 1 : 0);
      });

      it(`${scheme}: a wrong password is ERR_PROXY naming Basic, no secret shown`, async function () {
        await assertProxyAuthFails(
          viaSquid(squidForFailures, scheme, { proxyDomain: DOMAIN, proxyPassword: WRONG_PASSWORD }),
          [`${httpsApi.url}/x`, `${forwardedApi.url}/x`],
          /refused the credentials \(Basic, 407 Proxy Authentication Required\)/,
          WRONG_PASSWORD,
        );
      });
    }

    it('auto without credentials: ERR_PROXY says the proxy asks for Basic and which settings to fill', async function () {
      await assertProxyAuthFails(
        viaSquid(squidForFailures, 'auto', { proxyUsername: '', proxyPassword: '' }),
        [`${httpsApi.url}/x`, `${forwardedApi.url}/x`],
        /requires authentication \(407 .*; it asks for Basic\): set proxyUsername and proxyPassword/,
      );
    });
  });

  describe('a proxy offering Negotiate, NTLM, Digest and Basic', function () {
    let squid: Squid;

    before(async function () {
      squid = await squidWith({ auth: ['negotiate', 'ntlm', 'digest', 'basic'] });
    });

    const cases: [Scheme, string][] = [
      ['auto', 'NTLM'],
      ['ntlm', 'NTLM'],
      ['digest', 'Digest'],
      ['basic', 'Basic'],
    ];
    for (const [scheme, answered] of cases) {
      it(`${scheme} answers with ${answered}${scheme === 'auto' ? ' (preferred over Digest and Basic)' : ''}`, async function () {
        resetConnections(httpsApi);
        const from = squid.accessLog().length;
        const transport = viaSquid(squid, scheme);
        await send(transport, `${httpsApi.url}/x`);
        await send(transport, `${forwardedApi.url}/x`);
        const log = await logOf(squid, from, transport, 1);
        const sent = new Set(log.map((entry) => entry.sent));
        sent.delete('-');
        assert.deepEqual([...sent], [answered], JSON.stringify(log));
        assert.equal(countOf(log, { status: 200, user: USER }), 2);
      });
    }
  });

  describe('a proxy asking only for Negotiate (Kerberos)', function () {
    let squid: Squid;

    before(async function () {
      squid = await squidWith({ auth: ['negotiate'] });
    });

    it('auto: ERR_PROXY names Negotiate and what this connection can answer, no secret shown', async function () {
      await assertProxyAuthFails(
        viaSquid(squid, 'auto'),
        [`${httpsApi.url}/x`, `${forwardedApi.url}/x`],
        /asks for Negotiate authentication \(407 Proxy Authentication Required\), which this connection cannot answer: it supports NTLM, Digest .* and Basic/,
      );
    });

    it('ntlm: ERR_PROXY says the proxy asks for Negotiate, not that it refused the credentials', async function () {
      await assertProxyAuthFails(
        viaSquid(squid, 'ntlm'),
        [`${httpsApi.url}/x`, `${forwardedApi.url}/x`],
        /asks for Negotiate authentication .*but proxyAuthScheme is ntlm, so the credentials were not checked: set proxyAuthScheme to auto$/,
      );
    });
  });

  describe('OAuth2 token requests through an NTLM proxy', function () {
    let squid: Squid;
    let tokenEndpoint: LoopbackApi;
    let protectedApi: LoopbackApi;
    const TOKEN = 'tok-through-ntlm-proxy-123';

    before(async function () {
      tokenEndpoint = await startServer({
        tls: certs.server,
        handler: (_req, res, request: ReceivedRequest) => {
          const grant = new URLSearchParams(request.body).get('grant_type');
          res.writeHead(grant === 'client_credentials' ? 200 : 400, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ access_token: TOKEN, token_type: 'Bearer', expires_in: 3600 }));
          return true;
        },
      });
      protectedApi = await startServer({
        handler: (_req, res, request: ReceivedRequest) => {
          if (request.headers.authorization === `Bearer ${TOKEN}`) return false;
          res.writeHead(401).end();
          return true;
        },
      });
      squid = await startSquid({ auth: ['ntlm'], users: SQUID_USERS, connectPorts: [tokenEndpoint.port] });
      squids.push(squid);
    });

    after(async function () {
      await Promise.all([tokenEndpoint?.close(), protectedApi?.close()]);
    });

    it('gets the token (HTTPS, tunnelled) and calls the API (plain HTTP, forwarded) through Squid with NTLM', async function () {
      const client = await RestClient.create(
        {
          ...connectionDefaults,
          baseUrl: protectedApi.url,
          authType: 'oauth2',
          oauth2Grant: 'client_credentials',
          tokenUrl: `${tokenEndpoint.url}/token`,
          useProxy: true,
          proxyUrl: squid.url,
          proxyAuthScheme: 'ntlm',
          proxyDomain: DOMAIN,
          retries: 0,
        },
        {
          clientId: 'client-1',
          clientSecret: 'client-secret-1',
          proxyUsername: USER,
          proxyPassword: PASSWORD,
          caCert: certs.ca.cert,
        },
      );
      try {
        const response = await client.request({ method: 'GET', path: '/data' });
        assert.equal(response.statusCode, 200);
      } finally {
        await client.close();
      }
      assert.deepEqual(
        tokenEndpoint.requests.map((request) => [request.method, request.url]),
        [['POST', '/token']],
      );
      const log = await logOf(squid, 0, undefined, 1);
      const passed = log
        .filter((entry) => entry.status === 200)
        .map((entry) => [entry.method, entry.url, entry.user, entry.sent])
        .sort();
      assert.deepEqual(passed, [
        ['CONNECT', `127.0.0.1:${tokenEndpoint.port}`, `${DOMAIN}\\${USER}`, 'NTLM'],
        ['GET', `${protectedApi.url}/data`, `${DOMAIN}\\${USER}`, 'NTLM'],
      ]);
    });
  });

  describe('OAuth2 token requests to a plain-HTTP token endpoint the proxy forwards', function () {
    let squid: Squid;
    let tokenEndpoint: LoopbackApi;

    before(async function () {
      tokenEndpoint = await startServer({
        handler: (_req, res) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ access_token: 'never-used', expires_in: 3600 }));
          return true;
        },
      });
      squid = await squidWith({ auth: ['ntlm'] });
    });

    after(async function () {
      await tokenEndpoint?.close();
    });

    it('basic against an NTLM proxy: ERR_PROXY names the token endpoint and NTLM, no secret shown', async function () {
      const client = await RestClient.create(
        {
          ...connectionDefaults,
          baseUrl: httpsApi.url,
          authType: 'oauth2',
          oauth2Grant: 'client_credentials',
          tokenUrl: `${tokenEndpoint.url}/token`,
          useProxy: true,
          proxyUrl: squid.url,
          proxyAuthScheme: 'basic',
          retries: 0,
        },
        { clientId: 'client-1', clientSecret: 'client-secret-1', proxyUsername: USER, proxyPassword: PASSWORD },
      );
      try {
        await assert.rejects(client.request({ method: 'GET', path: '/data' }), (err: Error & { code?: string }) => {
          assert.equal(err.code, 'ERR_PROXY');
          assert.match(
            err.message,
            /^On the way to the token endpoint http:\/\/127\.0\.0\.1:\d+\/token: The proxy .* asks for NTLM authentication .*proxyAuthScheme is basic/,
          );
          assertNoSecret(err, PASSWORD);
          assertNoSecret(err, 'client-secret-1');
          return true;
        });
      } finally {
        await client.close();
      }
      assert.equal(tokenEndpoint.requests.length, 0);
    });
  });

  describe('answers no proxy can be made to give', function () {
    /** A raw loopback server answering each request with the next canned answer. */
    async function startFaultyProxy(answers: string[]) {
      const sockets = new Set<net.Socket>();
      let connected: () => void;
      const firstConnection = new Promise<void>((resolve) => (connected = resolve));
      const server = net.createServer((socket) => {
        sockets.add(socket);
        connected();
        socket.on('data', () => {
          const answer = answers.shift();
          if (answer) socket.write(answer);
          if (/Connection: close/.test(answer ?? '')) socket.end();
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return {
        url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
        /** The server, once a client has connected. */
        serverWithConnection: () => firstConnection.then(() => server),
        close: async () => {
          for (const socket of sockets) socket.destroy();
          await new Promise((resolve) => server.close(resolve));
        },
      };
    }

    const challenge = (header: string, connection = 'keep-alive') =>
      `HTTP/1.1 407 Proxy Authentication Required\r\n${header}Connection: ${connection}\r\nContent-Length: 5\r\n\r\ndenied`.slice(
        0,
        -1,
      );
    // A CHALLENGE message: NTLMSSP, type 2, no target name, flags Unicode|NTLM, challenge 0102030405060708.
    const type2 = Buffer.concat([
      Buffer.from('NTLMSSP\0', 'latin1'),
      Buffer.from([2, 0, 0, 0, 0, 0, 0, 0, 48, 0, 0, 0, 1, 2, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]),
      Buffer.alloc(16),
    ]).toString('base64');

    const faults: [string, string[], RegExp][] = [
      [
        'closes the connection between its NTLM challenge and the answer',
        [challenge(`Proxy-Authenticate: NTLM ${type2}\r\n`, 'close')],
        /closed the connection in the middle of the NTLM handshake/,
      ],
      [
        'refuses the NTLM answer (a real NTLM proxy with a wrong password; ntlm_fake_auth takes any)',
        [challenge(`Proxy-Authenticate: NTLM ${type2}\r\n`), challenge('Proxy-Authenticate: NTLM\r\n')],
        /refused the credentials \(NTLM, 407 Proxy Authentication Required\): check proxyUsername, proxyPassword and proxyDomain/,
      ],
      [
        'sends an NTLM challenge that cannot be read',
        [challenge('Proxy-Authenticate: NTLM bm90IGFuIE5UTE0gbWVzc2FnZQ==\r\n')],
        /sent an NTLM challenge that cannot be read/,
      ],
      [
        'answers 407 without naming a scheme',
        [challenge(''), challenge('')],
        /answered 407 Proxy Authentication Required without naming an authentication scheme/,
      ],
    ];
    it('destroy() in the middle of a handshake closes its connection to the proxy', async function () {
      const proxy = await startFaultyProxy([]);
      try {
        const transport = viaSquid(proxy, 'ntlm');
        const pending = send(transport, `${httpsApi.url}/x`).catch((err: Error) => err);
        const server = await proxy.serverWithConnection();
        const open = () => new Promise<number>((resolve) => server.getConnections((_err, count) => resolve(count)));
        transport.destroy();
        // Well before the 10 s answer timeout, which would close it too.
        for (const deadline = Date.now() + 5000; (await open()) > 0 && Date.now() < deadline;) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        assert.equal(await open(), 0);
        assert.ok((await pending) instanceof Error);
      } finally {
        await proxy.close();
      }
    });

    for (const [what, answers, message] of faults) {
      it(`a proxy that ${what}: ERR_PROXY 407 says so, no secret shown`, async function () {
        const proxy = await startFaultyProxy(answers);
        try {
          await assertProxyAuthFails(
            viaSquid(proxy, what.includes('naming') ? 'auto' : 'ntlm'),
            [`${httpsApi.url}/x`],
            message,
          );
        } finally {
          await proxy.close();
        }
      });
    }
  });
});
