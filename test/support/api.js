'use strict';
/**
 * A programmable loopback API for flow tests: routes are `{ 'GET /users': (req, res, body) => ... }`;
 * every request is recorded with its headers, query and body so a test can assert what went on the wire.
 */
const http = require('node:http');

async function startApi(routes = {}) {
  const requests = [];
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url, 'http://127.0.0.1');
      const body = Buffer.concat(chunks).toString('utf8');
      const record = {
        method: req.method,
        path: url.pathname,
        rawUrl: req.url,
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        body,
      };
      requests.push(record);
      const route = routes[`${req.method} ${url.pathname}`] || routes[url.pathname];
      if (!route) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'not found', path: url.pathname }));
        return;
      }
      if (typeof route === 'function') return route(req, res, record);
      json(res, 200, route);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    requests,
    routes,
    /** Sockets the server still has open (keep-alive connections from clients). */
    openSockets: () => sockets.size,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function json(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

module.exports = { startApi, json };
