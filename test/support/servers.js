'use strict';
/**
 * Small loopback peers for tests: an HTTP server, an HTTPS server with given TLS options, and
 * a proxy-chain proxy (optionally requiring Basic auth, optionally served over TLS) that
 * records what it saw. Every starter resolves once listening on 127.0.0.1 with a free port;
 * call `close()` in `after`.
 *
 *   const api = await startHttpServer();                       // api.url, api.requests
 *   const tls = await startHttpsServer({ key, cert });         // tls.url ('https://127.0.0.1:port')
 *   const proxy = await startProxy({ username: 'u', password: 'p' });  // proxy.url, proxy.log
 */
const http = require('node:http');
const https = require('node:https');
const { Server: ProxyServer } = require('proxy-chain');

/** Default handler: answers JSON describing the request (method, url, client certificate CN). */
function echoHandler(req, res) {
  const peer = typeof req.socket.getPeerCertificate === 'function' ? req.socket.getPeerCertificate() : undefined;
  const body = JSON.stringify({
    method: req.method,
    url: req.url,
    clientCertificate: peer && peer.subject ? peer.subject.CN : undefined,
  });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function listen(server, protocol, handler) {
  const requests = [];
  server.on('request', (req, res) => {
    requests.push({ method: req.method, url: req.url, headers: req.headers });
    (handler || echoHandler)(req, res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        server,
        port,
        url: `${protocol}://127.0.0.1:${port}`,
        /** Every request the server received: {method, url, headers}. */
        requests,
        close: () => closeServer(server),
      });
    });
  });
}

function closeServer(server) {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** An HTTP server; `handler(req, res)` defaults to a JSON echo. */
function startHttpServer(handler) {
  return listen(http.createServer(), 'http', handler);
}

/**
 * An HTTPS server with the given TLS options (key, cert, ca, requestCert, minVersion, ...).
 * TLS handshake failures are recorded in `tlsErrors` instead of crashing the test.
 */
async function startHttpsServer(tlsOptions, handler) {
  const server = https.createServer(tlsOptions);
  const tlsErrors = [];
  server.on('tlsClientError', (err) => tlsErrors.push(err));
  const started = await listen(server, 'https', handler);
  return { ...started, tlsErrors };
}

/**
 * A proxy-chain proxy on 127.0.0.1. With `username`/`password` it requires Basic auth.
 * With `httpsOptions` ({key, cert}) the proxy itself is served over TLS.
 * `log` holds one entry per proxied request:
 *   {method: 'CONNECT' | 'GET' | ..., isHttp, hostname, port, username, authorized}
 * (the password is never recorded).
 */
async function startProxy({ username, password, httpsOptions } = {}) {
  const log = [];
  const proxy = new ProxyServer({
    port: 0,
    host: '127.0.0.1',
    ...(httpsOptions ? { serverType: 'https', httpsOptions } : {}),
    prepareRequestFunction: ({ request, username: user, password: pass, hostname, port, isHttp }) => {
      const authorized = username === undefined || (user === username && pass === password);
      log.push({ method: request.method, isHttp, hostname, port, username: user, authorized });
      return { requestAuthentication: !authorized };
    },
  });
  proxy.on('tlsError', () => {});
  await proxy.listen();
  const protocol = httpsOptions ? 'https' : 'http';
  return {
    proxy,
    port: proxy.port,
    /** The proxy's URL without credentials, on 127.0.0.1. */
    url: `${protocol}://127.0.0.1:${proxy.port}`,
    log,
    close: () => proxy.close(true),
  };
}

/** A port on 127.0.0.1 where nothing listens (bound, then released). */
async function unusedPort() {
  const server = http.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

module.exports = { startHttpServer, startHttpsServer, startProxy, unusedPort, echoHandler };
