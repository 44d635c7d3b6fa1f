/**
 * The connection's TLS settings (lib/transport/tls-options.ts) through a Transport, against real
 * HTTPS servers on loopback with certificates made for this run: a private CA, expired,
 * self-signed, wrong-name and client certificates; files read from caCertPath and friends; and
 * every certificate, key or version that cannot work refused at construction with a clear code.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type https from 'node:https';
import path from 'node:path';
import util from 'node:util';
import { RestError } from '../../lib/errors';
import { loadGot } from '../../lib/http/load-got';
import { Transport, TLS_VERIFY_OFF_WARNING } from '../../lib/transport';
import type { TransportOptions, TransportSettings } from '../../lib/transport/settings';
import type { TlsMinVersion } from '../../lib/types';
import { startServer, type LoopbackServer } from '../support/loopback-server';
import { createPeerDir, removePeerDir, writePeerFile } from '../support/peers/peer-dir';
import { getTestPki, type CertAndKey, type TestPki } from '../support/peers/tls-material';
import { assertNoSecret } from '../support/secret-scan';
import { get, transportSettings } from './transport-support';

/** A line from the middle of a PEM key: key material that must never be shown. */
function keyMaterial(pem: string): string {
  const lines = pem.split('\n').filter((line) => line && !line.startsWith('-----'));
  return lines[Math.floor(lines.length / 2)] ?? pem;
}

const WRONG_PASSPHRASE = 'wrong passphrase 42';

/**
 * What an error shows: its message and an inspection six levels deep. Deeper lie Node's own socket
 * internals: a socket's connect options name https.globalAgent, whose pool names hold the PEM key
 * of any request this process made with a client key through it (test/peers/nginx.test.ts makes
 * one), not anything this package shows.
 */
const shown = (err: RestError) => `${err.message}\n${util.inspect(err, { depth: 6 })}`;

describe('transport: TLS settings', function () {
  let pki: TestPki;
  let secrets: string[];
  let dir: string;
  const servers: Record<string, LoopbackServer> = {};
  const transports: Transport[] = [];

  function open(settings: Partial<TransportSettings> = {}, options?: TransportOptions): Transport {
    const transport = new Transport(transportSettings(settings), options);
    transports.push(transport);
    return transport;
  }

  /** Writes `text` to a file of this run's private directory and returns its path. */
  function file(name: string, text: string): string {
    return writePeerFile(dir, name, text);
  }

  async function assertTlsError(promise: Promise<unknown>, message: RegExp): Promise<void> {
    await assert.rejects(promise, (err: unknown) => {
      assert.ok(err instanceof RestError, String(err));
      assert.equal(err.code, 'ERR_TLS', err.message);
      assert.match(err.message, message);
      assertNoSecret(shown(err), secrets);
      return true;
    });
  }

  function assertConstructionFails(settings: Partial<TransportSettings>, code: string, message: RegExp): void {
    assert.throws(
      () => new Transport(transportSettings(settings)),
      (err: unknown) => {
        assert.ok(err instanceof RestError, String(err));
        assert.equal(err.code, code);
        assert.match(err.message, message);
        assertNoSecret(shown(err), secrets);
        return true;
      },
    );
  }

  before(async function () {
    pki = await getTestPki();
    dir = createPeerDir('tls-options');
    secrets = [
      keyMaterial(pki.client.key),
      keyMaterial(pki.clientEncrypted.key),
      keyMaterial(pki.server.key),
      pki.clientEncrypted.passphrase,
      WRONG_PASSPHRASE,
    ];
    const serve = (pair: CertAndKey, extra: https.ServerOptions = {}) =>
      startServer({ tls: { key: pair.key, cert: pair.cert, ...extra } });
    servers.trusted = await serve(pki.server);
    servers.otherName = await serve(pki.otherName);
    servers.expired = await serve(pki.expired);
    servers.selfSigned = await serve(pki.selfSigned);
    servers.mutual = await serve(pki.server, { ca: pki.ca.cert, requestCert: true, rejectUnauthorized: true });
    servers.tls12 = await serve(pki.server, { maxVersion: 'TLSv1.2' });
    servers.tls10 = await serve(pki.server, {
      minVersion: 'TLSv1',
      maxVersion: 'TLSv1',
      ciphers: 'DEFAULT:@SECLEVEL=0',
    });
    servers.plain = await startServer();
  });

  after(async function () {
    for (const transport of transports) transport.destroy();
    await Promise.all(Object.values(servers).map((server) => server.close()));
    removePeerDir(dir);
  });

  /** The server's URL: servers are started in before(), so the lookup cannot miss. */
  const url = (name: string, path: string) => `${servers[name]?.url ?? 'https://unstarted.invalid'}${path}`;

  describe('server certificate', function () {
    it('verifies a server whose certificate the private CA (caCert) signed', async function () {
      const { statusCode } = await get(open({ caCert: pki.ca.cert }), url('trusted', '/ok'));
      assert.equal(statusCode, 200);
    });

    it('keeps its TLS settings when got passes its own https options (agent options win)', async function () {
      const { got } = await loadGot();
      const target = url('selfSigned', '/merged');
      const lenient = open({ tlsVerify: false }).agentsFor(new URL(target));
      const response = await got(target, {
        agent: lenient,
        retry: { limit: 0 },
        https: { rejectUnauthorized: true, certificateAuthority: [] },
      });
      assert.equal(response.statusCode, 200);
      const strict = open({ caCert: pki.ca.cert }).agentsFor(new URL(target));
      await assert.rejects(
        got(target, { agent: strict, retry: { limit: 0 }, https: { rejectUnauthorized: false } }),
        (err: { code?: string }) => err.code === 'DEPTH_ZERO_SELF_SIGNED_CERT',
      );
    });

    it('fails with ERR_TLS "not trusted" without the CA', async function () {
      await assertTlsError(get(open(), url('trusted', '/x')), /not trusted.*unknown certificate authority.*caCert/);
    });

    it('fails with ERR_TLS "not trusted" for a self-signed certificate', async function () {
      await assertTlsError(
        get(open({ caCert: pki.ca.cert }), url('selfSigned', '/x')),
        /not trusted.*self-signed.*DEPTH_ZERO_SELF_SIGNED_CERT/,
      );
    });

    it('reads the CA from caCertPath when the caCert credential is empty', async function () {
      const caCertPath = file('ca.pem', pki.ca.cert);
      const { statusCode } = await get(open({ caCertPath, caCert: '' }), url('trusted', '/file'));
      assert.equal(statusCode, 200);
    });

    it('fails at construction with ERR_TLS naming the setting and path of an unreadable file', function () {
      assertConstructionFails(
        { caCertPath: '/nonexistent/ca.pem' },
        'ERR_TLS',
        /caCertPath: cannot read \/nonexistent\/ca\.pem \(file not found\)/,
      );
      const folder = path.join(dir, 'a-folder');
      fs.mkdirSync(folder);
      assertConstructionFails(
        { clientCertPath: folder, clientKeyPath: folder },
        'ERR_TLS',
        /clientCertPath: cannot read .* \(it is a directory\)/,
      );
    });

    it('fails with ERR_TLS when the host name is not in the certificate', async function () {
      await assertTlsError(
        get(open({ caCert: pki.ca.cert }), url('otherName', '/x')),
        /certificate is for another host name: it names api\.internal\.test, not 127\.0\.0\.1 .*set tlsServerName/,
      );
    });

    it('verifies against tlsServerName (and sends it as SNI) when it is set', async function () {
      const transport = open({ caCert: pki.ca.cert, tlsServerName: 'api.internal.test' });
      assert.equal((await get(transport, url('otherName', '/sni'))).statusCode, 200);
      // The name really is checked: the localhost certificate does not carry it.
      await assertTlsError(get(transport, url('trusted', '/x')), /another host name/);
    });

    it("applies tlsServerName to baseUrl's host only when baseUrl is given", async function () {
      const transport = open(
        { caCert: pki.ca.cert, tlsServerName: 'api.internal.test' },
        { baseUrl: url('otherName', '/v1') },
      );
      assert.equal((await get(transport, url('otherName', '/api'))).statusCode, 200);
      const tokenEndpoint = `https://localhost:${servers.trusted?.port}/token`;
      assert.equal((await get(transport, tokenEndpoint)).statusCode, 200, 'another host keeps its own name');
    });

    it('fails with ERR_TLS when the certificate has expired', async function () {
      await assertTlsError(
        get(open({ caCert: pki.ca.cert }), url('expired', '/x')),
        /has expired \(CERT_HAS_EXPIRED\)/,
      );
    });

    it('fails with ERR_TLS when the server does not speak TLS', async function () {
      await assertTlsError(get(open(), url('plain', '/x').replace('http:', 'https:')), /did not answer with TLS/);
    });
  });

  describe('tlsVerify false', function () {
    it('accepts an unknown CA and warns exactly once', async function () {
      const warnings: string[] = [];
      const transport = open({ tlsVerify: false }, { warn: (message) => warnings.push(message) });
      assert.equal((await get(transport, url('selfSigned', '/a'))).statusCode, 200);
      assert.equal((await get(transport, url('trusted', '/b'))).statusCode, 200);
      assert.equal((await get(transport, url('otherName', '/c'))).statusCode, 200);
      assert.deepEqual(warnings, [TLS_VERIFY_OFF_WARNING]);
      assert.match(TLS_VERIFY_OFF_WARNING, /verification is off.*intercepted/);
    });

    it('does not warn when verification is on', function () {
      const warnings: string[] = [];
      open({}, { warn: (message) => warnings.push(message) });
      assert.deepEqual(warnings, []);
    });
  });

  describe('client certificate (mutual TLS)', function () {
    it('presents clientCert and clientKey', async function () {
      const transport = open({ caCert: pki.ca.cert, clientCert: pki.client.cert, clientKey: pki.client.key });
      const { body } = await get(transport, url('mutual', '/me'));
      assert.equal(body.clientCertificate, 'rest-client');
    });

    it('reads them from clientCertPath and clientKeyPath', async function () {
      const transport = open({
        caCertPath: file('mutual-ca.pem', pki.ca.cert),
        clientCertPath: file('client.pem', pki.client.cert),
        clientKeyPath: file('client.key', pki.client.key),
      });
      assert.equal((await get(transport, url('mutual', '/me'))).body.clientCertificate, 'rest-client');
    });

    it('fails with ERR_TLS about the client certificate when none is given', async function () {
      await assertTlsError(
        get(open({ caCert: pki.ca.cert }), url('mutual', '/me')),
        /client certificate.*clientCert and clientKey/,
      );
    });

    it('fails with ERR_TLS about the client certificate when the server rejects it (TLS 1.2)', async function () {
      const strict12 = await startServer({
        tls: {
          key: pki.server.key,
          cert: pki.server.cert,
          ca: pki.ca.cert,
          requestCert: true,
          rejectUnauthorized: true,
          maxVersion: 'TLSv1.2',
        },
      });
      try {
        const transport = open({ caCert: pki.ca.cert, clientCert: pki.selfSigned.cert, clientKey: pki.selfSigned.key });
        await assertTlsError(
          get(transport, `${strict12.url}/me`),
          /closed the connection during the TLS handshake: it may require a client certificate or reject this one/,
        );
      } finally {
        await strict12.close();
      }
    });

    it('decrypts an encrypted key with the right passphrase', async function () {
      const { cert, key, passphrase } = pki.clientEncrypted;
      const transport = open({ caCert: pki.ca.cert, clientCert: cert, clientKey: key, passphrase });
      assert.equal((await get(transport, url('mutual', '/me'))).body.clientCertificate, 'rest-client');
    });

    it('fails at construction with ERR_TLS for a wrong or missing passphrase', function () {
      const { cert, key } = pki.clientEncrypted;
      assertConstructionFails(
        { clientCert: cert, clientKey: key, passphrase: WRONG_PASSPHRASE },
        'ERR_TLS',
        /passphrase does not decrypt clientKey \(bad decrypt\)/,
      );
      assertConstructionFails(
        { clientCert: cert, clientKey: key },
        'ERR_TLS',
        /clientKey is encrypted: enter its passphrase/,
      );
      const clientKeyPath = file('encrypted.key', key);
      assertConstructionFails(
        { clientCert: cert, clientKeyPath, passphrase: WRONG_PASSPHRASE },
        'ERR_TLS',
        /does not decrypt clientKeyPath \(.*encrypted\.key\)/,
      );
    });
  });

  describe('invalid certificates and keys fail at construction with ERR_TLS', function () {
    const damagedCert = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
    const damagedKey = '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n';
    const cases: [string, (pki: TestPki) => Partial<TransportSettings>, RegExp][] = [
      ['a CA that is not PEM', () => ({ caCert: 'not a certificate' }), /caCert is not a PEM certificate/],
      ['a key given as the CA', (p) => ({ caCert: p.client.key }), /caCert is not a PEM certificate/],
      ['a damaged second CA', (p) => ({ caCert: p.ca.cert + damagedCert }), /certificate 2 of caCert is damaged/],
      [
        'a client certificate that is not PEM',
        (p) => ({ clientCert: 'junk', clientKey: p.client.key }),
        /clientCert is not a PEM certificate/,
      ],
      [
        'a certificate given as the client key',
        (p) => ({ clientCert: p.client.cert, clientKey: p.client.cert }),
        /clientKey is not a PEM private key/,
      ],
      [
        'a damaged client key',
        (p) => ({ clientCert: p.client.cert, clientKey: damagedKey }),
        /clientKey is not a usable private key/,
      ],
      [
        'a key that does not belong to the certificate',
        (p) => ({ clientCert: p.client.cert, clientKey: p.server.key }),
        /clientKey is not the key of clientCert/,
      ],
      ['a certificate without a key', (p) => ({ clientCert: p.client.cert }), /clientCert is set but no client key/],
      [
        'a key without a certificate',
        (p) => ({ clientKey: p.client.key }),
        /clientKey is set but no client certificate/,
      ],
    ];
    for (const [what, settings, message] of cases) {
      it(`rejects ${what}`, function () {
        assertConstructionFails(settings(pki), 'ERR_TLS', message);
      });
    }

    it('rejects a CA file that is not PEM, naming the file', function () {
      assertConstructionFails(
        { caCertPath: file('bad.pem', 'junk') },
        'ERR_TLS',
        /caCertPath \(.*bad\.pem\) is not a PEM certificate/,
      );
    });
  });

  describe('tlsMinVersion', function () {
    it('fails with ERR_TLS about the protocol version when the server offers only TLS 1.2 and 1.3 is required', async function () {
      const transport = open({ caCert: pki.ca.cert, tlsMinVersion: 'TLSv1.3' });
      await assertTlsError(
        get(transport, url('tls12', '/x')),
        /no TLS version in common \(tlsv1 alert protocol version\).*tlsMinVersion/,
      );
      const relaxed = open({ caCert: pki.ca.cert, tlsMinVersion: 'TLSv1.2' });
      assert.equal((await get(relaxed, url('tls12', '/x'))).statusCode, 200);
    });

    it('reaches a TLS 1.0 server only when tlsMinVersion allows it', async function () {
      await assertTlsError(get(open({ caCert: pki.ca.cert }), url('tls10', '/x')), /no TLS version in common/);
      const legacy = open({ caCert: pki.ca.cert, tlsMinVersion: 'TLSv1' });
      assert.equal((await get(legacy, url('tls10', '/x'))).statusCode, 200);
    });

    it('rejects SSLv3 and unknown versions with ERR_CONFIG', function () {
      // Values a hand-edited flow file can hold, outside the type.
      assertConstructionFails(
        { tlsMinVersion: 'SSLv3' as TlsMinVersion },
        'ERR_CONFIG',
        /SSLv3 is not available: Node\.js has no SSL 3/,
      );
      assertConstructionFails(
        { tlsMinVersion: 'TLSv9' as TlsMinVersion },
        'ERR_CONFIG',
        /"TLSv9" is not one of default, TLSv1, TLSv1\.1, TLSv1\.2, TLSv1\.3/,
      );
    });
  });
});
