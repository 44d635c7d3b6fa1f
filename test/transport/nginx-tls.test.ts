/**
 * The package against nginx (Debian nginx-light), a TLS server nobody on this project wrote: TLS
 * 1.2 only, a certificate for another host name, mutual TLS with an encrypted PEM key or a
 * PKCS#12 file (base64 credential and pfxPath), a missing client certificate that nginx refuses
 * after the handshake, and gzip and chunked JSON decoded into rows. Through RestClient, and
 * through the nodes (node-red-node-test-helper, dist/).
 */
import assert from 'node:assert/strict';
import util from 'node:util';
import { connectionDefaults } from '../../lib/definitions';
import { RowExtractor } from '../../lib/extract/row-extractor';
import { RestClient } from '../../lib/http/rest-client';
import type { ConnectionCredentials, ConnectionProperties } from '../../lib/types';
import { requirePeer } from '../support/peers/debian-peers';
import { DEFAULT_DATA, startNginx, type NginxServer } from '../support/peers/nginx';
import { makePkcs12, type Pkcs12File } from '../support/peers/pkcs12';
import { getTestPki, type TestPki } from '../support/peers/tls-material';
import { flowWith, helper, load, nextMessage, useNodeRed } from '../support/node-red';

const P12_PASSWORD = 'p12-Secret: pässwort';
const WRONG_PASSWORD = 'not-the-p12-password';
const ITEMS = (JSON.parse(DEFAULT_DATA) as { items: { id: number }[] }).items;

type Failure = Error & { code?: string; statusCode?: number };

/** Every form a secret could leak in. */
function assertNoSecret(err: unknown, ...secrets: string[]): void {
  const shown = `${(err as Error).message}\n${String(err)}\n${util.inspect(err, { depth: 8 })}`;
  for (const secret of secrets) {
    for (const form of [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64')]) {
      assert.ok(!shown.includes(form), `the error must not show ${form}`);
    }
  }
}

describe('transport: the package against nginx (TLS)', function () {
  this.timeout(30000);
  let pki: TestPki;
  let p12: Pkcs12File;
  let tls12: NginxServer;
  let otherName: NginxServer;
  let mutual: NginxServer;
  const clients: RestClient[] = [];

  before(async function () {
    requirePeer(this, 'nginx');
    pki = await getTestPki();
    p12 = makePkcs12(pki.client, P12_PASSWORD);
    [tls12, otherName, mutual] = await Promise.all([
      startNginx({ tls: { ...pki.server, protocols: ['TLSv1.2'] } }),
      startNginx({ tls: { ...pki.otherName } }),
      startNginx({ tls: { ...pki.server, clientCa: pki.ca.cert, verifyClient: 'on' } }),
    ]);
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });

  after(async () => {
    await Promise.all([tls12, otherName, mutual].map((server) => server?.close()));
  });

  async function clientFor(
    server: NginxServer,
    props: Partial<ConnectionProperties> = {},
    credentials: ConnectionCredentials = {},
  ): Promise<RestClient> {
    const client = await RestClient.create(
      { ...connectionDefaults, baseUrl: server.url, retries: 0, timeout: 10000, ...props },
      { caCert: pki.ca.cert, ...credentials },
    );
    clients.push(client);
    return client;
  }

  async function echo(
    client: RestClient,
  ): Promise<{ clientVerify: string; clientDn: string; sslProtocol: string; serverName: string }> {
    const response = await client.request({ method: 'GET', path: '/echo' });
    return response.json() as { clientVerify: string; clientDn: string; sslProtocol: string; serverName: string };
  }

  describe('a TLS 1.2-only server', function () {
    it('works with the default settings (TLS 1.2 negotiated)', async function () {
      assert.equal((await echo(await clientFor(tls12))).sslProtocol, 'TLSv1.2');
    });

    it('tlsMinVersion TLSv1.3: ERR_TLS naming both versions', async function () {
      const client = await clientFor(tls12, { tlsMinVersion: 'TLSv1.3' });
      await assert.rejects(client.request({ method: 'GET', path: '/echo' }), (err: Failure) => {
        assert.equal(err.code, 'ERR_TLS');
        assert.match(err.message, /the server offers at most TLSv1\.2, tlsMinVersion asks for TLSv1\.3/);
        return true;
      });
      assert.equal(tls12.accessLog().length, 1, 'only the first test reached nginx');
    });

    it('gzip JSON (Content-Length) and gzip chunked JSON both decode into the rows', async function () {
      const client = await clientFor(tls12);
      const extractor = new RowExtractor({ rowsPath: '$.items', columns: [], format: 'objects' });
      for (const path of ['/files/data.json', '/chunked/data.json']) {
        const response = await client.request({ method: 'GET', path });
        assert.deepEqual(extractor.extract(response.json()), ITEMS, path);
        // got decodes the body and drops the header; nginx's log below says what it sent.
        assert.equal(response.headers['content-encoding'], undefined);
      }
      const sent = tls12.accessLog().slice(-2);
      assert.deepEqual(
        sent.map((entry) => [entry.uri, entry.status, entry.contentEncoding]),
        [
          ['/files/data.json', 200, 'gzip'],
          ['/chunked/data.json', 200, 'gzip'],
        ],
      );
    });
  });

  describe('a certificate for another host name', function () {
    it('on 127.0.0.1 without tlsServerName: ERR_TLS naming the certificate name', async function () {
      const client = await clientFor(otherName);
      await assert.rejects(client.request({ method: 'GET', path: '/echo' }), (err: Failure) => {
        assert.equal(err.code, 'ERR_TLS');
        assert.match(
          err.message,
          /certificate is for another host name: it names api\.internal\.test, not 127\.0\.0\.1/,
        );
        return true;
      });
    });

    it('tlsServerName api.internal.test: verified against that name and sent as SNI', async function () {
      const answer = await echo(await clientFor(otherName, { tlsServerName: 'api.internal.test' }));
      assert.equal(answer.serverName, 'api.internal.test');
    });
  });

  describe('mutual TLS (ssl_verify_client on)', function () {
    it('an encrypted PEM key with its passphrase: nginx verifies the client certificate', async function () {
      const { cert, key, passphrase } = pki.clientEncrypted;
      const answer = await echo(await clientFor(mutual, {}, { clientCert: cert, clientKey: key, passphrase }));
      assert.equal(answer.clientVerify, 'SUCCESS');
      assert.match(answer.clientDn, /CN=rest-client/);
    });

    it('no client certificate: ERR_HTTP_STATUS 400 saying a client certificate is required', async function () {
      const client = await clientFor(mutual);
      await assert.rejects(client.request({ method: 'GET', path: '/echo' }), (err: Failure) => {
        assert.equal(err.code, 'ERR_HTTP_STATUS');
        assert.equal(err.statusCode, 400);
        assert.match(err.message, /answered HTTP 400: the server requires a client certificate and none was sent/);
        return true;
      });
    });

    it('a certificate from another CA: ERR_HTTP_STATUS 400 saying the certificate was not accepted', async function () {
      const client = await clientFor(
        mutual,
        {},
        { clientCert: pki.strangerClient.cert, clientKey: pki.strangerClient.key },
      );
      await assert.rejects(client.request({ method: 'GET', path: '/echo' }), (err: Failure) => {
        assert.equal(err.code, 'ERR_HTTP_STATUS');
        assert.match(err.message, /the server did not accept the client certificate/);
        return true;
      });
    });

    it('PKCS#12 as the pfx credential (base64) with its passphrase', async function () {
      const answer = await echo(await clientFor(mutual, {}, { pfx: p12.base64, passphrase: P12_PASSWORD }));
      assert.equal(answer.clientVerify, 'SUCCESS');
      assert.match(answer.clientDn, /CN=rest-client/);
    });

    it('PKCS#12 from pfxPath, used when pfx is empty', async function () {
      const answer = await echo(await clientFor(mutual, { pfxPath: p12.path }, { pfx: '', passphrase: P12_PASSWORD }));
      assert.equal(answer.clientVerify, 'SUCCESS');
    });

    it('PKCS#12 with a wrong passphrase: ERR_TLS when the connection starts, no secret shown', async function () {
      for (const [props, credentials] of [
        [{}, { pfx: p12.base64, passphrase: WRONG_PASSWORD }],
        [{ pfxPath: p12.path }, { passphrase: WRONG_PASSWORD }],
      ] as const) {
        await assert.rejects(clientFor(mutual, props, credentials), (err: Failure) => {
          assert.equal(err.code, 'ERR_TLS');
          assert.match(
            err.message,
            /^The passphrase does not open pfx(Path \(.*client\.p12\))? \(mac verify failure\): check the passphrase$/,
          );
          assertNoSecret(err, WRONG_PASSWORD, P12_PASSWORD);
          assert.ok(!util.inspect(err, { depth: 8 }).includes(p12.base64.slice(0, 40)), 'no part of the file');
          return true;
        });
      }
    });

    it('PKCS#12 without a passphrase, or not a PKCS#12 file, or beside a PEM pair: ERR_TLS saying so', async function () {
      await assert.rejects(clientFor(mutual, {}, { pfx: p12.base64 }), {
        code: 'ERR_TLS',
        message: 'pfx is protected by a password: enter it as the passphrase',
      });
      await assert.rejects(clientFor(mutual, {}, { pfx: Buffer.from(pki.client.cert).toString('base64') }), {
        code: 'ERR_TLS',
        message: /^pfx is not a PKCS#12 \(\.p12\/\.pfx\) file/,
      });
      await assert.rejects(clientFor(mutual, {}, { pfx: 'not base64!' }), {
        code: 'ERR_TLS',
        message: /^pfx is not base64/,
      });
      await assert.rejects(clientFor(mutual, { pfxPath: '/nonexistent/client.p12' }), {
        code: 'ERR_TLS',
        message: 'pfxPath: cannot read /nonexistent/client.p12 (file not found)',
      });
      await assert.rejects(
        clientFor(
          mutual,
          {},
          { pfx: p12.base64, passphrase: P12_PASSWORD, clientCert: pki.client.cert, clientKey: pki.client.key },
        ),
        { code: 'ERR_TLS', message: /^pfx and a PEM client certificate \(clientCert\) are both set: use one of them$/ },
      );
    });
  });

  describe('through the nodes', function () {
    useNodeRed();

    async function run(
      server: NginxServer,
      node: Record<string, unknown>,
      connection: Record<string, unknown> = {},
      credentials: ConnectionCredentials = {},
    ): Promise<{ out?: Record<string, unknown>; caught?: { error: { code: string; message: string } } }> {
      await load(
        flowWith({
          type: node.valuePath === undefined ? 'execute-rest-grid' : 'execute-rest-scalar',
          connection: { baseUrl: server.url, retries: 0, ...connection },
          node: { method: 'GET', ...node },
        }),
        { restConn: { caCert: pki.ca.cert, ...credentials } },
      );
      const out = nextMessage('out', 10000).then((msg) => ({ out: msg }));
      const caught = nextMessage('caught', 10000).then((msg) => ({
        caught: msg as { error: { code: string; message: string } },
      }));
      helper.getNode('restNode').receive({ payload: 1 });
      return Promise.race([out, caught]);
    }

    it('grid over TLS 1.2: gzip chunked JSON becomes rows', async function () {
      const { out } = await run(tls12, { path: '/chunked/data.json', rowsPath: '$.items' });
      assert.deepEqual(out?.payload, ITEMS);
    });

    it('grid with tlsMinVersion TLSv1.3 against TLS 1.2: caught ERR_TLS naming both versions', async function () {
      const { caught } = await run(tls12, { path: '/echo' }, { tlsMinVersion: 'TLSv1.3' });
      assert.equal(caught?.error.code, 'ERR_TLS');
      assert.match(caught?.error.message ?? '', /the server offers at most TLSv1\.2, tlsMinVersion asks for TLSv1\.3/);
    });

    it('scalar with the pfx credential: nginx verified the client certificate', async function () {
      const { out } = await run(
        mutual,
        { path: '/echo', valuePath: '$.clientVerify' },
        {},
        { pfx: p12.base64, passphrase: P12_PASSWORD },
      );
      assert.equal(out?.payload, 'SUCCESS');
    });

    it('scalar without a client certificate: caught ERR_HTTP_STATUS saying one is required', async function () {
      const { caught } = await run(mutual, { path: '/echo', valuePath: '$.clientVerify' });
      assert.equal(caught?.error.code, 'ERR_HTTP_STATUS');
      assert.match(caught?.error.message ?? '', /requires a client certificate and none was sent/);
    });
  });
});
