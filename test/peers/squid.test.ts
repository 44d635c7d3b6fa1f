/** The Squid launcher: each auth scheme really challenges and checks, CONNECT works to any loopback port, the log tells. */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import type net from 'node:net';
import { requirePeer } from '../support/peers/debian-peers';
import { startSquid, type SquidProxy } from '../support/peers/squid';
import { httpCall, openTunnel, getThroughTunnel } from './http-call';
import { ntlmType1, ntlmType3, ntlmMessageType } from './ntlm-messages';

const ALICE = { username: 'CORP\\alice', password: 's3cret: with spaces' };

interface Origin {
  url: string;
  host: string;
  seen: http.IncomingHttpHeaders[];
  close(): Promise<void>;
}

async function startOrigin(): Promise<Origin> {
  const seen: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.url }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return {
    url: `http://${host}`,
    host,
    seen,
    close: () => new Promise((resolve) => server.close(() => resolve()).closeAllConnections()),
  };
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** A Digest (MD5, qop=auth) Proxy-Authorization value for `challenge` (RFC 7616 §3.4). */
function digest(challenge: string, method: string, uri: string, user: string, password: string, count = 1): string {
  const params: Record<string, string> = Object.fromEntries(
    [...challenge.matchAll(/(\w+)="?([^",]*)"?/g)].map(([, name = '', value = '']) => [name, value]),
  );
  const { realm = '', nonce = '' } = params;
  const md5 = (text: string) => crypto.createHash('md5').update(text).digest('hex');
  const cnonce = crypto.randomBytes(8).toString('hex');
  const nc = count.toString(16).padStart(8, '0');
  const response = md5(
    `${md5(`${user}:${realm}:${password}`)}:${nonce}:${nc}:${cnonce}:auth:${md5(`${method}:${uri}`)}`,
  );
  const quoted = (text: string) => `"${text.replace(/[\\"]/g, '\\$&')}"`;
  return (
    `Digest username=${quoted(user)}, realm=${quoted(realm)}, nonce=${quoted(nonce)}, ` +
    `uri=${quoted(uri)}, qop=auth, nc=${nc}, cnonce=${quoted(cnonce)}, response=${quoted(response)}, algorithm=MD5`
  );
}

/** A GET of `url` through the proxy (absolute-form request target). */
function viaProxy(proxy: SquidProxy, url: string, headers: http.OutgoingHttpHeaders = {}, agent?: http.Agent) {
  return httpCall({ hostname: '127.0.0.1', port: proxy.port, path: url, headers, agent });
}

describe('peers: squid', function () {
  this.timeout(30000);
  let origin: Origin;

  before(async function () {
    requirePeer(this, 'squid');
    origin = await startOrigin();
  });
  after(() => origin?.close());

  describe('without auth', function () {
    let proxy: SquidProxy;
    before(async () => (proxy = await startSquid()));
    after(() => proxy?.close());

    it('forwards a GET without credentials and adds no Via or X-Forwarded-For header', async function () {
      const res = await viaProxy(proxy, `${origin.url}/open`);
      assert.equal(res.status, 200);
      assert.deepEqual(JSON.parse(res.body), { path: '/open' });
      const headers = origin.seen.at(-1)!;
      assert.equal(headers.via, undefined);
      assert.equal(headers['x-forwarded-for'], undefined);
      assert.equal(res.headers['proxy-authenticate'], undefined);
    });
  });

  describe('Basic', function () {
    let proxy: SquidProxy;
    before(async () => (proxy = await startSquid({ auth: 'basic', users: [ALICE] })));
    after(() => proxy?.close());

    it('challenges a request without credentials with 407 and Basic realm', async function () {
      const res = await viaProxy(proxy, `${origin.url}/x`);
      assert.equal(res.status, 407);
      assert.equal(res.headers['proxy-authenticate'], 'Basic realm="rest-connection-test"');
    });

    it('forwards a GET for DOMAIN\\user with the right password, logs the user and keeps the credentials from the origin', async function () {
      const res = await viaProxy(proxy, `${origin.url}/basic`, {
        'proxy-authorization': basic(ALICE.username, ALICE.password),
      });
      assert.equal(res.status, 200);
      assert.deepEqual(JSON.parse(res.body), { path: '/basic' });
      assert.equal(origin.seen.at(-1)!['proxy-authorization'], undefined);
      const entries = await proxy.waitForAccessLog((log) => log.some((e) => e.url === `${origin.url}/basic`));
      const entry = entries.find((e) => e.url === `${origin.url}/basic`)!;
      assert.deepEqual([entry.method, entry.status, entry.user], ['GET', 200, 'CORP\\alice']);
    });

    it('answers 407 to a wrong password and to the right password in another letter case of the user', async function () {
      for (const auth of [basic(ALICE.username, 'wrong'), basic('corp\\alice', ALICE.password)]) {
        const res = await viaProxy(proxy, `${origin.url}/denied`, { 'proxy-authorization': auth });
        assert.equal(res.status, 407);
        assert.match(String(res.headers['proxy-authenticate']), /^Basic realm=/);
      }
    });

    it('opens CONNECT tunnels to a non-443 loopback port and counts each once it is closed', async function () {
      const auth = { 'proxy-authorization': basic(ALICE.username, ALICE.password) };
      const tunnels = await Promise.all([
        openTunnel(proxy.url, origin.host, auth),
        openTunnel(proxy.url, origin.host, auth),
      ]);
      for (const tunnel of tunnels) {
        assert.equal(tunnel.status, 200);
        const res = await getThroughTunnel(tunnel.socket, origin.host, '/tunnelled', { connection: 'keep-alive' });
        assert.deepEqual(JSON.parse(res.body), { path: '/tunnelled' });
      }
      assert.equal(proxy.tunnels(origin.host).length, 0, 'open tunnels are not logged yet');
      for (const tunnel of tunnels) tunnel.socket.destroy();
      await proxy.waitForAccessLog(() => proxy.tunnels(origin.host).length === 2);
      assert.ok(proxy.tunnels().every((e) => e.user === 'CORP\\alice' && e.result === 'TCP_TUNNEL'));
    });

    it('refuses CONNECT with a wrong password with 407', async function () {
      const tunnel = await openTunnel(proxy.url, origin.host, { 'proxy-authorization': basic(ALICE.username, 'nope') });
      tunnel.socket.destroy();
      assert.equal(tunnel.status, 407);
      assert.match(String(tunnel.headers['proxy-authenticate']), /^Basic /);
    });
  });

  describe('Digest', function () {
    let proxy: SquidProxy;
    before(async () => (proxy = await startSquid({ auth: 'digest', users: [ALICE] })));
    after(() => proxy?.close());

    it('challenges with Digest realm, nonce and qop="auth", and checks the password', async function () {
      const url = `${origin.url}/digest`;
      const challenge = await viaProxy(proxy, url);
      assert.equal(challenge.status, 407);
      const header = String(challenge.headers['proxy-authenticate']);
      assert.match(header, /^Digest realm="rest-connection-test", nonce="[^"]+", qop="auth", stale=false$/);

      const wrong = await viaProxy(proxy, url, {
        'proxy-authorization': digest(header, 'GET', url, ALICE.username, 'x'),
      });
      assert.equal(wrong.status, 407);

      // Answer the fresh challenge of the 407: squid does not accept a nonce count twice.
      const fresh = String(wrong.headers['proxy-authenticate']);
      const right = await viaProxy(proxy, url, {
        'proxy-authorization': digest(fresh, 'GET', url, ALICE.username, ALICE.password),
      });
      assert.equal(right.status, 200);
      const entries = await proxy.waitForAccessLog((log) => log.some((e) => e.status === 200));
      // Squid 5 drops the backslash from a Digest user name (the client still hashes the real one).
      assert.equal(entries.find((e) => e.status === 200)!.user, 'CORPalice');
    });

    it('accepts a nonce again with a higher nonce count, and answers a lower one with stale=true', async function () {
      const url = `${origin.url}/digest-nc`;
      const challenge = String((await viaProxy(proxy, url)).headers['proxy-authenticate']);
      const send = (count: number) =>
        viaProxy(proxy, url, {
          'proxy-authorization': digest(challenge, 'GET', url, ALICE.username, ALICE.password, count),
        });
      assert.equal((await send(1)).status, 200);
      assert.equal((await send(3)).status, 200);
      // Squid's default (nonce_strictness off) takes any count not below the last one, even the same.
      assert.equal((await send(3)).status, 200);
      const replay = await send(2);
      assert.equal(replay.status, 407);
      // …with a fresh nonce marked stale, so a client knows to retry without asking for a password.
      const fresh = String(replay.headers['proxy-authenticate']);
      assert.match(fresh, /, stale=true$/);
      assert.notEqual(/nonce="([^"]+)"/.exec(fresh)![1], /nonce="([^"]+)"/.exec(challenge)![1]);
    });
  });

  describe('NTLM', function () {
    let proxy: SquidProxy;
    before(async () => (proxy = await startSquid({ auth: 'ntlm', users: [ALICE] })));
    after(() => proxy?.close());

    /** Runs Type 1 → Type 2 → Type 3 on one kept-alive connection and returns both responses. */
    async function handshake(domain: string, user: string) {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        const url = `${origin.url}/ntlm`;
        const challenge = await viaProxy(proxy, url, { 'proxy-authorization': `NTLM ${ntlmType1()}` }, agent);
        const type2 = /^NTLM (\S+)$/.exec(String(challenge.headers['proxy-authenticate']))?.[1];
        assert.ok(type2, `a Type 2 challenge, got ${challenge.headers['proxy-authenticate']}`);
        const final = await viaProxy(proxy, url, { 'proxy-authorization': `NTLM ${ntlmType3(domain, user)}` }, agent);
        return { challenge, type2, final };
      } finally {
        agent.destroy();
      }
    }

    it('offers a bare NTLM challenge', async function () {
      const res = await viaProxy(proxy, `${origin.url}/x`);
      assert.equal(res.status, 407);
      assert.equal(res.headers['proxy-authenticate'], 'NTLM');
    });

    it('completes the Type 1/2/3 handshake on one kept-alive connection and logs DOMAIN\\user', async function () {
      const { challenge, type2, final } = await handshake('CORP', 'alice');
      assert.equal(challenge.status, 407);
      assert.equal(ntlmMessageType(type2), 2);
      assert.equal(final.status, 200);
      assert.equal(final.reusedSocket, true);
      const entries = await proxy.waitForAccessLog((log) => log.some((e) => e.status === 200));
      assert.equal(entries.find((e) => e.status === 200)!.user, 'CORP\\alice');
    });

    it('answers 407 to a user not on the list (the fake helper itself accepts any password)', async function () {
      const { final } = await handshake('CORP', 'mallory');
      assert.equal(final.status, 407);
    });
  });

  it('sends one Proxy-Authenticate challenge per scheme, in the order configured', async function () {
    const proxy = await startSquid({ auth: ['ntlm', 'digest', 'basic'] });
    try {
      const res = await viaProxy(proxy, `${origin.url}/x`);
      assert.equal(res.status, 407);
      const schemes = res.headers['proxy-authenticate'];
      // Node joins repeated Proxy-Authenticate headers with ", ".
      assert.match(
        String(schemes),
        /^NTLM, Digest realm="rest-connection-test", nonce=.*, Basic realm="rest-connection-test"$/,
      );
    } finally {
      await proxy.close();
    }
  });
});
