/** The nginx launcher: real TLS (private CA, TLS 1.2 only, other host name, mutual TLS), gzip, chunked, proxying. */
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import zlib from 'node:zlib';
import { requirePeer } from '../support/peers/debian-peers';
import { DEFAULT_DATA, startNginx, type NginxServer } from '../support/peers/nginx';
import { getTestPki, type TestPki } from '../support/peers/tls-material';
import { httpCall, type CallOptions } from './http-call';

/** What nginx's /echo location answers about the request it got (see ../support/peers/nginx.ts). */
interface Echo {
  clientVerify: string;
  clientDn: string;
  sslProtocol: string;
  serverName: string;
  method: string;
  uri: string;
  authorization: string;
}

const echoed = (body: string) => JSON.parse(body) as Echo;

describe('peers: nginx', function () {
  this.timeout(30000);
  let pki: TestPki;

  before(async function () {
    requirePeer(this, 'nginx');
    pki = await getTestPki();
  });

  describe('HTTPS, TLS 1.2 only, certificate from a private CA', function () {
    let api: NginxServer;
    before(async () => {
      api = await startNginx({ tls: { cert: pki.server.cert, key: pki.server.key, protocols: ['TLSv1.2'] } });
    });
    after(() => api?.close());

    it('serves a static JSON file to a client that trusts the CA, over TLS 1.2', async function () {
      const res = await httpCall({ url: `${api.url}/files/data.json`, ca: pki.ca.cert });
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-type'], 'application/json');
      assert.equal(res.headers['content-length'], String(Buffer.byteLength(DEFAULT_DATA)));
      assert.deepEqual(JSON.parse(res.body), JSON.parse(DEFAULT_DATA));
      const echo = echoed((await httpCall({ url: `${api.url}/echo`, ca: pki.ca.cert })).body);
      assert.equal(echo.sslProtocol, 'TLSv1.2');
    });

    it('is refused by a client that does not trust the CA', async function () {
      await assert.rejects(httpCall({ url: `${api.url}/echo` }), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    });

    it('refuses a client that insists on TLS 1.3', async function () {
      await assert.rejects(
        httpCall({ url: `${api.url}/echo`, ca: pki.ca.cert, minVersion: 'TLSv1.3' }),
        (err: Error) => {
          assert.match(err.message, /protocol version|unsupported protocol/i);
          return true;
        },
      );
    });

    it('gzips JSON for a client that accepts gzip, and sends it chunked', async function () {
      const res = await httpCall({
        url: `${api.url}/files/data.json`,
        ca: pki.ca.cert,
        headers: { 'accept-encoding': 'gzip' },
      });
      assert.equal(res.headers['content-encoding'], 'gzip');
      assert.equal(res.headers['transfer-encoding'], 'chunked');
      assert.equal(zlib.gunzipSync(res.raw).toString('utf8'), DEFAULT_DATA);
    });

    it('sends /chunked/ files with Transfer-Encoding: chunked and no Content-Length', async function () {
      const res = await httpCall({ url: `${api.url}/chunked/data.json`, ca: pki.ca.cert });
      assert.equal(res.status, 200);
      assert.equal(res.headers['transfer-encoding'], 'chunked');
      assert.equal(res.headers['content-length'], undefined);
      assert.equal(res.headers['content-encoding'], undefined);
      assert.equal(res.body, DEFAULT_DATA);
    });

    it('logs each request with its connection, so kept-alive reuse can be counted', async function () {
      const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: pki.ca.cert });
      try {
        for (let i = 0; i < 3; i++) await httpCall({ url: `${api.url}/echo?n=${i}`, agent });
      } finally {
        agent.destroy();
      }
      const entries = api.accessLog().filter((e) => e.uri.startsWith('/echo?n='));
      assert.equal(entries.length, 3);
      assert.equal(new Set(entries.map((e) => e.connection)).size, 1);
      assert.deepEqual(
        entries.map((e) => e.connectionRequests),
        [1, 2, 3],
      );
    });
  });

  describe('a certificate for another host name', function () {
    let api: NginxServer;
    before(async () => (api = await startNginx({ tls: { cert: pki.otherName.cert, key: pki.otherName.key } })));
    after(() => api?.close());

    it('fails the host name check on 127.0.0.1 and passes with servername set to the certificate name', async function () {
      await assert.rejects(httpCall({ url: `${api.url}/echo`, ca: pki.ca.cert }), {
        code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      });
      const res = await httpCall({ url: `${api.url}/echo`, ca: pki.ca.cert, servername: 'api.internal.test' });
      assert.equal(res.status, 200);
      assert.equal(echoed(res.body).serverName, 'api.internal.test');
    });
  });

  describe('mutual TLS (ssl_verify_client on)', function () {
    let api: NginxServer;
    before(async () => {
      api = await startNginx({
        tls: { cert: pki.server.cert, key: pki.server.key, clientCa: pki.ca.cert, verifyClient: 'on' },
      });
    });
    after(() => api?.close());

    const call = (options: CallOptions) => httpCall({ url: `${api.url}/echo`, ca: pki.ca.cert, ...options });

    it('accepts a client certificate signed by the CA and tells its subject', async function () {
      const res = await call({ cert: pki.client.cert, key: pki.client.key });
      assert.equal(res.status, 200);
      assert.deepEqual(
        [echoed(res.body).clientVerify, echoed(res.body).clientDn],
        ['SUCCESS', 'O=Rest Connection Tests,CN=rest-client'],
      );
    });

    it('accepts the same certificate with its encrypted key and passphrase', async function () {
      const { cert, key, passphrase } = pki.clientEncrypted;
      assert.match(key, /BEGIN ENCRYPTED PRIVATE KEY/);
      const res = await call({ cert, key, passphrase });
      assert.equal(echoed(res.body).clientVerify, 'SUCCESS');
    });

    it('answers 400 "No required SSL certificate was sent" after the handshake when no certificate is sent', async function () {
      const res = await call({});
      assert.equal(res.status, 400);
      assert.match(res.body, /No required SSL certificate was sent/);
    });

    it('answers 400 "The SSL certificate error" to a certificate from another CA', async function () {
      const res = await call({ cert: pki.strangerClient.cert, key: pki.strangerClient.key });
      assert.equal(res.status, 400);
      assert.match(res.body, /The SSL certificate error/);
      assert.match(api.accessLog().at(-1)!.clientVerify, /^FAILED/);
    });
  });

  it('with ssl_verify_client optional, serves a client without a certificate', async function () {
    const api = await startNginx({
      tls: { cert: pki.server.cert, key: pki.server.key, clientCa: pki.ca.cert, verifyClient: 'optional' },
    });
    try {
      const res = await httpCall({ url: `${api.url}/echo`, ca: pki.ca.cert });
      assert.equal(res.status, 200);
      assert.equal(echoed(res.body).clientVerify, 'NONE');
    } finally {
      await api.close();
    }
  });

  it('serves given files over plain HTTP (gzip off) and proxies /proxy/ to an upstream', async function () {
    const upstream = http.createServer((req, res) => res.end(JSON.stringify({ upstreamSaw: req.url })));
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const upstreamUrl = `http://127.0.0.1:${(upstream.address() as net.AddressInfo).port}`;
    const api = await startNginx({ files: { 'list.json': '[1,2,3]' }, proxyTo: upstreamUrl, gzip: false });
    try {
      assert.match(api.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const list = await httpCall({ url: `${api.url}/files/list.json`, headers: { 'accept-encoding': 'gzip' } });
      assert.equal(list.body, '[1,2,3]');
      assert.equal(list.headers['content-encoding'], undefined, 'gzip: false');
      assert.equal((await httpCall({ url: `${api.url}/files/data.json` })).status, 404);
      const proxied = await httpCall({ url: `${api.url}/proxy/items?page=2` });
      assert.deepEqual(JSON.parse(proxied.body), { upstreamSaw: '/items?page=2' });
    } finally {
      await api.close();
      upstream.close();
    }
  });
});
