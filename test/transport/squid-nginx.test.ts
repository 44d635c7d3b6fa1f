/**
 * The package through Squid (Debian squid, Basic auth with a DOMAIN\user name) to nginx over
 * HTTPS: kept-alive CONNECT tunnels (N requests, 1 tunnel in Squid's access log, 1 connection in
 * nginx's) and noProxy sending requests straight to nginx, past Squid. Through RestClient and a
 * grid node. (Proxy authentication schemes themselves: proxy-auth-squid.test.ts.)
 */
import assert from 'node:assert/strict';
import { connectionDefaults } from '../../lib/definitions';
import { RestClient } from '../../lib/http/rest-client';
import type { ConnectionProperties } from '../../lib/types';
import { requirePeer } from '../support/peers/debian-peers';
import { startNginx, type NginxServer } from '../support/peers/nginx';
import { startSquid, type SquidProxy } from '../support/peers/squid';
import { getTestPki, type TestPki } from '../support/peers/tls-material';
import { flowWith, helper, load, messages, useNodeRed } from '../support/node-red';

const USER = 'CORP\\alice';
const PASSWORD = 'Squid-s3cret: wörd';
const REQUESTS = 5;

describe('transport: the package through Squid (Basic, DOMAIN\\user) to nginx over HTTPS', function () {
  this.timeout(30000);
  let pki: TestPki;
  let squid: SquidProxy;
  let nginx: NginxServer;

  before(async function () {
    requirePeer(this, 'squid');
    requirePeer(this, 'nginx');
    pki = await getTestPki();
    [squid, nginx] = await Promise.all([
      startSquid({ auth: 'basic', users: [{ username: USER, password: PASSWORD }] }),
      startNginx({ tls: { ...pki.server } }),
    ]);
  });
  after(async () => {
    await Promise.all([squid?.close(), nginx?.close()]);
  });

  function viaSquid(overrides: Partial<ConnectionProperties> = {}): Promise<RestClient> {
    return RestClient.create(
      {
        ...connectionDefaults,
        baseUrl: nginx.url,
        retries: 0,
        timeout: 10000,
        useProxy: true,
        proxyUrl: squid.url,
        ...overrides,
      },
      { caCert: pki.ca.cert, proxyUsername: USER, proxyPassword: PASSWORD },
    );
  }

  /** How many requests nginx logged after entry `from`, and on how many connections. */
  function seen(from: number) {
    const log = nginx.accessLog().slice(from);
    return { requests: log.length, connections: new Set(log.map((entry) => entry.connection)).size };
  }

  it(`${REQUESTS} sequential requests: one CONNECT tunnel, kept alive, authenticated as DOMAIN\\user`, async function () {
    const tunnelsBefore = squid.tunnels(`127.0.0.1:${nginx.port}`).length;
    const from = nginx.accessLog().length;
    const client = await viaSquid();
    for (let i = 0; i < REQUESTS; i++) {
      const response = await client.request({ method: 'GET', path: '/echo' });
      assert.equal((response.json() as { sslProtocol: string }).sslProtocol, 'TLSv1.3');
    }
    await client.close();
    // Squid logs a tunnel when it closes. Judge the same log the wait read (re-reading it inside
    // the predicate let a stale copy come back once).
    const target = `127.0.0.1:${nginx.port}`;
    const isTunnel = (entry: { method: string; status: number; url: string }) =>
      entry.method === 'CONNECT' && entry.status === 200 && entry.url === target;
    const tunnels = (await squid.waitForAccessLog((log) => log.filter(isTunnel).length > tunnelsBefore))
      .filter(isTunnel)
      .slice(tunnelsBefore);
    assert.deepEqual(
      tunnels.map((entry) => [entry.url, entry.user]),
      [[`127.0.0.1:${nginx.port}`, USER]],
    );
    assert.deepEqual(seen(from), { requests: REQUESTS, connections: 1 });
  });

  it('noProxy naming the API host: requests go straight to nginx, Squid sees none', async function () {
    const squidBefore = squid.accessLog().length;
    const from = nginx.accessLog().length;
    const client = await viaSquid({ noProxy: 'localhost, 127.0.0.1' });
    for (let i = 0; i < 3; i++) await client.request({ method: 'GET', path: '/echo' });
    await client.close();
    // A tunnel would be logged when it closes: give Squid the time to write it.
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(squid.accessLog().length, squidBefore);
    assert.deepEqual(seen(from), { requests: 3, connections: 1 });
  });

  describe('through a grid node', function () {
    useNodeRed();

    it(`${REQUESTS} messages: rows from nginx through one tunnel, closed when the flow stops`, async function () {
      const tunnelsBefore = squid.tunnels(`127.0.0.1:${nginx.port}`).length;
      const from = nginx.accessLog().length;
      await load(
        flowWith({
          connection: { baseUrl: nginx.url, retries: 0, useProxy: true, proxyUrl: squid.url },
          node: { path: '/files/data.json', rowsPath: '$.items', columns: [{ name: 'id', path: 'id' }] },
        }),
        { restConn: { caCert: pki.ca.cert, proxyUsername: USER, proxyPassword: PASSWORD } },
      );
      const out = messages('out', REQUESTS, 10000);
      // One after the other: concurrent messages may open a tunnel each.
      for (let i = 0; i < REQUESTS; i++) {
        const next = messages('out', 1, 10000);
        helper.getNode('restNode').receive({ payload: i });
        await next;
      }
      const received = (await out) as { payload: { id: number }[] }[];
      assert.equal(received.length, REQUESTS);
      assert.deepEqual(received[0]?.payload.slice(0, 2), [{ id: 1 }, { id: 2 }]);
      await helper.unload();
      await squid.waitForAccessLog(() => squid.tunnels(`127.0.0.1:${nginx.port}`).length > tunnelsBefore);
      assert.equal(squid.tunnels(`127.0.0.1:${nginx.port}`).length - tunnelsBefore, 1);
      assert.deepEqual(seen(from), { requests: REQUESTS, connections: 1 });
    });
  });
});
