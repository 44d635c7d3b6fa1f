'use strict';
/**
 * The benchmark's loopback API, run in its own process (child_process.fork) so serving never
 * competes with the measured process for its event loop. Every body is built once at start:
 * the server's cost per request is writing a cached buffer.
 *
 *   GET /small               {"data": [20 rows]}
 *   GET /big                 {"data": [100,000 rows x 10 columns]}, about 20 MB
 *   GET /pages?page=N        {"data": [1,000 rows], "next": absolute URL of page N+1 or null} (100 pages)
 *
 * Served over plain HTTP, and over HTTPS when argv[2] is the bench PKI as JSON (bench/tls-material.js):
 * one HTTPS server with a certificate from the private CA, and one that also requires a client
 * certificate from that CA (mutual TLS).
 *
 * Tells the parent its URLs with process.send({ url, httpsUrl?, mtlsUrl? }).
 */
const fs = require('node:fs');
const http = require('node:http');
const https = require('node:https');

const SMALL_ROWS = 20;
const BIG_ROWS = 100000;
const PAGE_ROWS = 1000;
const PAGE_COUNT = 100;

/** One row of ten columns, about 200 bytes of JSON. */
function row(id) {
  return {
    id,
    name: `user-${id}`,
    email: `user${id}@example.com`,
    city: ['London', 'Rotterdam', 'Boston', 'Helsinki'][id % 4],
    score: Math.round(id * 7.31) / 100,
    active: id % 3 !== 0,
    created: new Date(Date.UTC(2024, 0, 1) + id * 60000).toISOString(),
    group: `g${id % 17}`,
    country: ['GB', 'NL', 'US', 'FI'][id % 4],
    note: 'lorem ipsum dolor sit amet consectetur',
  };
}

const rows = (from, count) => Array.from({ length: count }, (_, i) => row(from + i));
const SMALL = Buffer.from(JSON.stringify({ data: rows(1, SMALL_ROWS) }));
const BIG = Buffer.from(JSON.stringify({ data: rows(1, BIG_ROWS) }));
const PAGE_DATA = Array.from({ length: PAGE_COUNT }, (_, i) => JSON.stringify(rows(i * PAGE_ROWS + 1, PAGE_ROWS)));

function send(res, body) {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
}

function handle(req, res) {
  const url = new URL(req.url, `http://${req.headers.host}`);
  if (url.pathname === '/small') return send(res, SMALL);
  if (url.pathname === '/big') return send(res, BIG);
  if (url.pathname === '/pages') {
    const page = Number(url.searchParams.get('page') || 1);
    if (!(page >= 1 && page <= PAGE_COUNT)) return send(res, Buffer.from('{"data":[],"next":null}'));
    const next = page < PAGE_COUNT ? JSON.stringify(`${url.origin}/pages?page=${page + 1}`) : 'null';
    return send(res, Buffer.from(`{"data":${PAGE_DATA[page - 1]},"next":${next}}`));
  }
  res.writeHead(404).end();
}

function listen(server) {
  server.keepAliveTimeout = 30000;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

async function main() {
  const pki = process.argv[2] ? JSON.parse(process.argv[2]) : undefined;
  const info = { bigBytes: BIG.length, smallBytes: SMALL.length };
  info.url = `http://127.0.0.1:${await listen(http.createServer(handle))}`;
  if (pki) {
    const tls = { cert: fs.readFileSync(pki.certPath), key: fs.readFileSync(pki.keyPath) };
    info.httpsUrl = `https://127.0.0.1:${await listen(https.createServer(tls, handle))}`;
    const mutual = { ...tls, ca: fs.readFileSync(pki.caPath), requestCert: true, rejectUnauthorized: true };
    info.mtlsUrl = `https://127.0.0.1:${await listen(https.createServer(mutual, handle))}`;
  }
  process.send(info);
}

main();
process.on('disconnect', () => process.exit(0));
