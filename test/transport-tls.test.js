'use strict';
/**
 * Transport TLS settings against real HTTPS servers on loopback, with certificates generated
 * for this run (a private CA, expired, self-signed, wrong-name and client certificates).
 */
const assert = require('node:assert/strict');
const fs = require('node:fs');
const tls = require('node:tls');
const util = require('node:util');
const { Transport, TLS_VERIFY_OFF_WARNING } = require('../dist/lib/transport');
const { transportSettings, get } = require('./support/transport');
const { getCerts, writeTempFile, removeTempFiles } = require('./support/certs');
const { startHttpServer, startHttpsServer } = require('./support/servers');

/** A line from the middle of a PEM key: key material that must never be shown. */
function keyMaterial(pem) {
  const lines = pem.split('\n').filter((line) => line && !line.startsWith('-----'));
  return lines[Math.floor(lines.length / 2)];
}

describe('transport: TLS', function () {
  let certs;
  let secrets;
  const servers = {};
  const transports = [];

  function open(settings, options) {
    const transport = new Transport(transportSettings(settings), options);
    transports.push(transport);
    return transport;
  }

  function assertNoSecret(err) {
    const shown = `${err.message}\n${util.inspect(err, { depth: 6 })}`;
    for (const secret of secrets)
      assert.ok(!shown.includes(secret), 'error output must not contain key material or passphrases');
  }

  async function assertTlsError(promise, message) {
    await assert.rejects(promise, (err) => {
      assert.equal(err.code, 'ERR_TLS', err.message);
      assert.match(err.message, message);
      assertNoSecret(err);
      return true;
    });
  }

  function assertConstructionFails(settings, code, message) {
    assert.throws(
      () => new Transport(transportSettings(settings)),
      (err) => {
        assert.equal(err.code, code);
        assert.match(err.message, message);
        assertNoSecret(err);
        return true;
      },
    );
  }

  before(async function () {
    certs = await getCerts();
    secrets = [
      keyMaterial(certs.client.key),
      keyMaterial(certs.clientEncrypted.key),
      keyMaterial(certs.server.key),
      certs.clientEncrypted.passphrase,
      'wrong passphrase 42',
    ];
    const serve = (cert, extra = {}) => startHttpsServer({ key: cert.key, cert: cert.cert, ...extra });
    servers.trusted = await serve(certs.server);
    servers.otherName = await serve(certs.otherName);
    servers.expired = await serve(certs.expired);
    servers.selfSigned = await serve(certs.selfSigned);
    servers.mutual = await serve(certs.server, { ca: certs.ca.cert, requestCert: true, rejectUnauthorized: true });
    servers.tls12 = await serve(certs.server, { maxVersion: 'TLSv1.2' });
    servers.tls10 = await serve(certs.server, {
      minVersion: 'TLSv1',
      maxVersion: 'TLSv1',
      ciphers: 'DEFAULT:@SECLEVEL=0',
    });
    servers.plain = await startHttpServer();
  });

  after(async function () {
    for (const transport of transports) transport.destroy();
    await Promise.all(Object.values(servers).map((server) => server.close()));
    removeTempFiles();
  });

  describe('server certificate', function () {
    it('verifies a server whose certificate the private CA (caCert) signed', async function () {
      const { statusCode } = await get(open({ caCert: certs.ca.cert }), `${servers.trusted.url}/ok`);
      assert.equal(statusCode, 200);
    });

    it("adds the CA to Node's public roots instead of replacing them", function () {
      // The agents carry the connection's one secure context; what it was built from is the CA list.
      const original = tls.createSecureContext;
      const built = [];
      tls.createSecureContext = (options) => {
        built.push(options);
        return original(options);
      };
      let agent;
      try {
        agent = open({ caCert: certs.ca.cert }).agentsFor(new URL(servers.trusted.url)).https;
      } finally {
        tls.createSecureContext = original;
      }
      assert.ok(agent.options.secureContext);
      assert.ok(built.length > 0);
      for (const options of built) {
        assert.equal(options.ca.length, tls.rootCertificates.length + 1);
        assert.equal(options.ca.at(-1), certs.ca.cert);
      }
    });

    it('keeps its TLS settings when got passes its own https options (agent options win)', async function () {
      const { got } = await import('got');
      const url = `${servers.selfSigned.url}/merged`;
      const lenient = open({ tlsVerify: false }).agentsFor(new URL(url));
      const response = await got(url, {
        agent: lenient,
        retry: { limit: 0 },
        https: { rejectUnauthorized: true, certificateAuthority: [] },
      });
      assert.equal(response.statusCode, 200);
      const strict = open({ caCert: certs.ca.cert }).agentsFor(new URL(url));
      await assert.rejects(
        got(url, { agent: strict, retry: { limit: 0 }, https: { rejectUnauthorized: false } }),
        (err) => err.code === 'DEPTH_ZERO_SELF_SIGNED_CERT',
      );
    });

    it('fails with ERR_TLS "not trusted" without the CA', async function () {
      await assertTlsError(
        get(open(), `${servers.trusted.url}/x`),
        /not trusted.*unknown certificate authority.*caCert/,
      );
    });

    it('fails with ERR_TLS "not trusted" for a self-signed certificate', async function () {
      await assertTlsError(
        get(open({ caCert: certs.ca.cert }), `${servers.selfSigned.url}/x`),
        /not trusted.*self-signed.*DEPTH_ZERO_SELF_SIGNED_CERT/,
      );
    });

    it('reads the CA from caCertPath when the caCert credential is empty', async function () {
      const caCertPath = writeTempFile('ca.pem', certs.ca.cert);
      const { statusCode } = await get(open({ caCertPath, caCert: '' }), `${servers.trusted.url}/file`);
      assert.equal(statusCode, 200);
    });

    it('fails at construction with ERR_TLS naming the setting and path of an unreadable file', function () {
      assertConstructionFails(
        { caCertPath: '/nonexistent/ca.pem' },
        'ERR_TLS',
        /caCertPath: cannot read \/nonexistent\/ca\.pem \(file not found\)/,
      );
      const dir = fs.mkdtempSync(require('node:path').join(require('node:os').tmpdir(), 'ca-dir-'));
      try {
        assertConstructionFails(
          { clientCertPath: dir, clientKeyPath: dir },
          'ERR_TLS',
          /clientCertPath: cannot read .* \(it is a directory\)/,
        );
      } finally {
        fs.rmSync(dir, { recursive: true });
      }
    });

    it('fails with ERR_TLS when the host name is not in the certificate', async function () {
      await assertTlsError(
        get(open({ caCert: certs.ca.cert }), `${servers.otherName.url}/x`),
        /certificate is for another host name: it names api\.internal\.test, not 127\.0\.0\.1 .*set tlsServerName/,
      );
    });

    it('verifies against tlsServerName (and sends it as SNI) when it is set', async function () {
      const transport = open({ caCert: certs.ca.cert, tlsServerName: 'api.internal.test' });
      assert.equal((await get(transport, `${servers.otherName.url}/sni`)).statusCode, 200);
      // The name really is checked: the localhost certificate does not carry it.
      await assertTlsError(get(transport, `${servers.trusted.url}/x`), /another host name/);
    });

    it("applies tlsServerName to baseUrl's host only when baseUrl is given", async function () {
      const transport = open(
        { caCert: certs.ca.cert, tlsServerName: 'api.internal.test' },
        { baseUrl: `${servers.otherName.url}/v1` },
      );
      assert.equal((await get(transport, `${servers.otherName.url}/api`)).statusCode, 200);
      const tokenEndpoint = `https://localhost:${servers.trusted.port}/token`;
      assert.equal((await get(transport, tokenEndpoint)).statusCode, 200, 'another host keeps its own name');
    });

    it('fails with ERR_TLS when the certificate has expired', async function () {
      await assertTlsError(
        get(open({ caCert: certs.ca.cert }), `${servers.expired.url}/x`),
        /has expired \(CERT_HAS_EXPIRED\)/,
      );
    });

    it('fails with ERR_TLS when the server does not speak TLS', async function () {
      const url = servers.plain.url.replace('http:', 'https:');
      await assertTlsError(get(open(), `${url}/x`), /did not answer with TLS/);
    });
  });

  describe('tlsVerify false', function () {
    it('accepts an unknown CA and warns exactly once', async function () {
      const warnings = [];
      const transport = open({ tlsVerify: false }, { warn: (message) => warnings.push(message) });
      assert.equal((await get(transport, `${servers.selfSigned.url}/a`)).statusCode, 200);
      assert.equal((await get(transport, `${servers.trusted.url}/b`)).statusCode, 200);
      assert.equal((await get(transport, `${servers.otherName.url}/c`)).statusCode, 200);
      assert.deepEqual(warnings, [TLS_VERIFY_OFF_WARNING]);
      assert.match(warnings[0], /verification is off.*intercepted/);
    });

    it('does not warn when verification is on', function () {
      const warnings = [];
      open({}, { warn: (message) => warnings.push(message) });
      assert.deepEqual(warnings, []);
    });
  });

  describe('client certificate (mutual TLS)', function () {
    it('presents clientCert and clientKey', async function () {
      const transport = open({ caCert: certs.ca.cert, clientCert: certs.client.cert, clientKey: certs.client.key });
      const { body } = await get(transport, `${servers.mutual.url}/me`);
      assert.equal(body.clientCertificate, 'rest-client');
    });

    it('reads them from clientCertPath and clientKeyPath', async function () {
      const transport = open({
        caCertPath: writeTempFile('ca.pem', certs.ca.cert),
        clientCertPath: writeTempFile('client.pem', certs.client.cert),
        clientKeyPath: writeTempFile('client.key', certs.client.key),
      });
      assert.equal((await get(transport, `${servers.mutual.url}/me`)).body.clientCertificate, 'rest-client');
    });

    it('fails with ERR_TLS about the client certificate when none is given', async function () {
      await assertTlsError(
        get(open({ caCert: certs.ca.cert }), `${servers.mutual.url}/me`),
        /client certificate.*clientCert and clientKey/,
      );
    });

    it('fails with ERR_TLS about the client certificate when the server rejects it (TLS 1.2)', async function () {
      const strict12 = await startHttpsServer({
        key: certs.server.key,
        cert: certs.server.cert,
        ca: certs.ca.cert,
        requestCert: true,
        rejectUnauthorized: true,
        maxVersion: 'TLSv1.2',
      });
      try {
        const transport = open({
          caCert: certs.ca.cert,
          clientCert: certs.selfSigned.cert,
          clientKey: certs.selfSigned.key,
        });
        await assertTlsError(
          get(transport, `${strict12.url}/me`),
          /closed the connection during the TLS handshake: it may require a client certificate or reject this one/,
        );
      } finally {
        await strict12.close();
      }
    });

    it('decrypts an encrypted key with the right passphrase', async function () {
      const { cert, key, passphrase } = certs.clientEncrypted;
      const transport = open({ caCert: certs.ca.cert, clientCert: cert, clientKey: key, passphrase });
      assert.equal((await get(transport, `${servers.mutual.url}/me`)).body.clientCertificate, 'rest-client');
    });

    it('fails at construction with ERR_TLS for a wrong or missing passphrase', function () {
      const { cert, key } = certs.clientEncrypted;
      assertConstructionFails(
        { clientCert: cert, clientKey: key, passphrase: 'wrong passphrase 42' },
        'ERR_TLS',
        /passphrase does not decrypt clientKey \(bad decrypt\)/,
      );
      assertConstructionFails(
        { clientCert: cert, clientKey: key },
        'ERR_TLS',
        /clientKey is encrypted: enter its passphrase/,
      );
      const clientKeyPath = writeTempFile('encrypted.key', key);
      assertConstructionFails(
        { clientCert: cert, clientKeyPath, passphrase: 'wrong passphrase 42' },
        'ERR_TLS',
        /does not decrypt clientKeyPath \(.*encrypted\.key\)/,
      );
    });
  });

  describe('invalid certificates and keys fail at construction with ERR_TLS', function () {
    it('rejects a CA that is not PEM, or a damaged one', function () {
      assertConstructionFails({ caCert: 'not a certificate' }, 'ERR_TLS', /caCert is not a PEM certificate/);
      assertConstructionFails({ caCert: certs.client.key }, 'ERR_TLS', /caCert is not a PEM certificate/);
      const damaged = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
      assertConstructionFails({ caCert: certs.ca.cert + damaged }, 'ERR_TLS', /certificate 2 of caCert is damaged/);
      assertConstructionFails(
        { caCertPath: writeTempFile('bad.pem', 'junk') },
        'ERR_TLS',
        /caCertPath \(.*bad\.pem\) is not a PEM certificate/,
      );
    });

    it('rejects a client certificate or key that is not PEM', function () {
      assertConstructionFails(
        { clientCert: 'junk', clientKey: certs.client.key },
        'ERR_TLS',
        /clientCert is not a PEM certificate/,
      );
      assertConstructionFails(
        { clientCert: certs.client.cert, clientKey: certs.client.cert },
        'ERR_TLS',
        /clientKey is not a PEM private key/,
      );
      const damagedKey = '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n';
      assertConstructionFails(
        { clientCert: certs.client.cert, clientKey: damagedKey },
        'ERR_TLS',
        /clientKey is not a usable private key/,
      );
    });

    it('rejects a key that does not belong to the certificate', function () {
      assertConstructionFails(
        { clientCert: certs.client.cert, clientKey: certs.server.key },
        'ERR_TLS',
        /clientKey is not the key of clientCert/,
      );
    });

    it('rejects a certificate without a key and a key without a certificate', function () {
      assertConstructionFails({ clientCert: certs.client.cert }, 'ERR_TLS', /clientCert is set but no client key/);
      assertConstructionFails({ clientKey: certs.client.key }, 'ERR_TLS', /clientKey is set but no client certificate/);
    });
  });

  describe('tlsMinVersion', function () {
    it('fails with ERR_TLS about the protocol version when the server offers only TLS 1.2 and 1.3 is required', async function () {
      const transport = open({ caCert: certs.ca.cert, tlsMinVersion: 'TLSv1.3' });
      await assertTlsError(
        get(transport, `${servers.tls12.url}/x`),
        /no TLS version in common \(tlsv1 alert protocol version\).*tlsMinVersion/,
      );
      const relaxed = open({ caCert: certs.ca.cert, tlsMinVersion: 'TLSv1.2' });
      assert.equal((await get(relaxed, `${servers.tls12.url}/x`)).statusCode, 200);
    });

    it('reaches a TLS 1.0 server only when tlsMinVersion allows it', async function () {
      await assertTlsError(get(open({ caCert: certs.ca.cert }), `${servers.tls10.url}/x`), /no TLS version in common/);
      const legacy = open({ caCert: certs.ca.cert, tlsMinVersion: 'TLSv1' });
      assert.equal((await get(legacy, `${servers.tls10.url}/x`)).statusCode, 200);
    });

    it('rejects SSLv3 and unknown versions with ERR_CONFIG', function () {
      assertConstructionFails(
        { tlsMinVersion: 'SSLv3' },
        'ERR_CONFIG',
        /SSLv3 is not available: Node\.js has no SSL 3/,
      );
      assertConstructionFails(
        { tlsMinVersion: 'TLSv9' },
        'ERR_CONFIG',
        /"TLSv9" is not one of default, TLSv1, TLSv1\.1, TLSv1\.2, TLSv1\.3/,
      );
    });
  });
});
