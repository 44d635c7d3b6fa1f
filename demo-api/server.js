#!/usr/bin/env node
// A small, dependency-free REST API for the examples, the tests and the benchmark.
// `npm run demo-api` serves it on http://127.0.0.1:8765/api (DEMO_API_PORT changes the port; `npm start`
// reads the port here too and hands the address to Node-RED as REST_DEMO_URL, which the examples read);
// tests call startDemoApi({ port: 0 }). Every endpoint is listed in ENDPOINTS and in the README.
'use strict';
const http = require('node:http');

const DEMO_TOKEN = 'demo-token';
const DEMO_USER = { username: 'demo', password: 'demo' };
const DEMO_API_KEY = 'demo-key';
/** The port `npm run demo-api` and `npm start` use, and the examples' default address names. */
const DEFAULT_PORT = 8765;
const VERSION = '1.0.0';
const MAX_BODY_BYTES = 1024 * 1024;
const MAX_DELAY_MS = 60000;
const MAX_GENERATED_ROWS = 100000;

const ENDPOINTS = [
  'GET /api',
  'GET /api/users',
  'GET /api/users/:id',
  'POST /api/users',
  'GET /api/paged/pages?page=1&per_page=10',
  'GET /api/paged/offset?offset=0&limit=10',
  'GET /api/paged/next?page=1&per_page=10',
  'GET /api/paged/link?page=1&per_page=10',
  'GET /api/paged/cursor?cursor=&limit=10',
  'GET /api/stats/count',
  'GET /api/stats/version',
  'GET /api/slow?ms=1000',
  'GET /api/status/:code',
  'ANY /api/echo',
  'GET /api/rows?count=1000',
  'GET /api/secure/whoami',
  'GET /api/secure/users',
];

const FIRST_NAMES = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Margaret', 'Linus', 'Frances', 'Ken'];
const LAST_NAMES = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Hamilton', 'Torvalds', 'Allen'];
const CITIES = ['London', 'New York', 'Manchester', 'Rotterdam', 'Boston', 'Stanford', 'Paoli', 'Helsinki', 'Ottawa'];

/** The same 25 users on every start, so examples and tests can count on them. */
const USERS = Array.from({ length: 25 }, (_, index) => {
  const first = FIRST_NAMES[index % FIRST_NAMES.length];
  const last = LAST_NAMES[index % LAST_NAMES.length];
  return {
    id: index + 1,
    name: `${first} ${last}`,
    email: `${first}.${last}${index + 1}@example.com`.toLowerCase(),
    address: { street: `${index + 1} Main Street`, city: CITIES[index % CITIES.length] },
    active: index % 4 !== 3,
  };
});

function sendJson(res, statusCode, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(statusCode, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function sendText(res, statusCode, text) {
  res.writeHead(statusCode, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res, statusCode, message, headers = {}) {
  const status = http.STATUS_CODES[statusCode] || 'Error';
  sendJson(res, statusCode, { error: { status: statusCode, title: status, message } }, headers);
}

/** A non-negative integer query parameter, or the fallback when absent or unusable. */
function intParam(query, name, fallback, max = Number.MAX_SAFE_INTEGER) {
  const raw = query.get(name);
  if (raw === null || raw === '' || !/^\d+$/.test(raw)) return fallback;
  return Math.min(Number(raw), max);
}

function pageOf(query) {
  const page = Math.max(1, intParam(query, 'page', 1));
  const perPage = Math.max(1, intParam(query, 'per_page', 10, 100));
  const start = (page - 1) * perPage;
  return { page, perPage, rows: USERS.slice(start, start + perPage), hasNext: start + perPage < USERS.length };
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) reject(Object.assign(new Error('body too large'), { statusCode: 413 }));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Parses a request body by its content type: JSON, form or text. */
function parseBody(req, text) {
  const type = String(req.headers['content-type'] || '').toLowerCase();
  if (text === '') return undefined;
  if (type.includes('application/json')) return JSON.parse(text);
  if (type.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(text));
  return text;
}

/** Which of the demo credentials the request carries, or undefined. */
function authenticate(req, query) {
  const authorization = String(req.headers.authorization || '');
  if (authorization === `Bearer ${DEMO_TOKEN}`) return 'bearer';
  const basic = /^Basic (.+)$/i.exec(authorization);
  if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    if (decoded === `${DEMO_USER.username}:${DEMO_USER.password}`) return 'basic';
  }
  if (req.headers['x-api-key'] === DEMO_API_KEY) return 'apiKey';
  if (query.get('api_key') === DEMO_API_KEY || query.get('X-API-Key') === DEMO_API_KEY) return 'apiKey';
  return undefined;
}

function handlePaged(style, query, res) {
  if (style === 'pages') {
    const { page, perPage, rows } = pageOf(query);
    return sendJson(res, 200, { page, per_page: perPage, total: USERS.length, data: rows });
  }
  if (style === 'offset') {
    const offset = intParam(query, 'offset', 0);
    const limit = Math.max(1, intParam(query, 'limit', 10, 100));
    return sendJson(res, 200, { offset, limit, total: USERS.length, data: USERS.slice(offset, offset + limit) });
  }
  if (style === 'next') {
    const { page, perPage, rows, hasNext } = pageOf(query);
    const next = hasNext ? `/api/paged/next?page=${page + 1}&per_page=${perPage}` : null;
    return sendJson(res, 200, { data: rows, next });
  }
  if (style === 'link') {
    const { page, perPage, rows, hasNext } = pageOf(query);
    const headers = hasNext ? { Link: `</api/paged/link?page=${page + 1}&per_page=${perPage}>; rel="next"` } : {};
    return sendJson(res, 200, rows, headers);
  }
  if (style === 'cursor') {
    // The cursor is an opaque token to the client; here it is the base64 of the next offset.
    const cursor = query.get('cursor');
    const offset = cursor ? Number(Buffer.from(cursor, 'base64url').toString('utf8')) : 0;
    if (!Number.isInteger(offset) || offset < 0) return sendError(res, 400, 'Invalid cursor');
    const limit = Math.max(1, intParam(query, 'limit', 10, 100));
    const nextOffset = offset + limit;
    const nextCursor = nextOffset < USERS.length ? Buffer.from(String(nextOffset)).toString('base64url') : null;
    return sendJson(res, 200, { data: USERS.slice(offset, nextOffset), next_cursor: nextCursor });
  }
  return sendError(res, 404, `No paging style '${style}'`);
}

function generatedRows(count) {
  return Array.from({ length: count }, (_, index) => ({
    id: index + 1,
    name: `Row ${index + 1}`,
    value: (index * 7919) % 1000,
    tags: ['demo', index % 2 ? 'odd' : 'even'],
    nested: { city: CITIES[index % CITIES.length] },
  }));
}

async function route(req, res, timers) {
  const url = new URL(req.url, 'http://demo.invalid');
  const query = url.searchParams;
  const segments = url.pathname.split('/').filter(Boolean);
  if (segments[0] !== 'api') return sendError(res, 404, 'The demo API lives under /api');
  const [, resource, param, extra] = segments;
  const method = req.method;

  if (resource === undefined) return sendJson(res, 200, { name: 'demo-api', version: VERSION, endpoints: ENDPOINTS });

  if (resource === 'echo') {
    const text = await readBody(req);
    let body;
    try {
      body = parseBody(req, text);
    } catch {
      body = text;
    }
    return sendJson(res, 200, {
      method,
      path: url.pathname,
      query: Object.fromEntries(query),
      headers: req.headers,
      body: body === undefined ? null : body,
    });
  }

  if (resource === 'secure') {
    const authenticatedBy = authenticate(req, query);
    if (!authenticatedBy) {
      return sendError(res, 401, 'Send Authorization: Bearer <token>, basic credentials or an X-API-Key header', {
        'WWW-Authenticate': 'Bearer realm="demo-api"',
      });
    }
    if (param === 'whoami' && method === 'GET') return sendJson(res, 200, { authenticated: true, authenticatedBy });
    if (param === 'users' && method === 'GET') return sendJson(res, 200, USERS);
    return sendError(res, 404, `No secure resource '${param || ''}'`);
  }

  if (resource === 'users' && extra === undefined) {
    if (param === undefined && method === 'GET') return sendJson(res, 200, USERS);
    if (param === undefined && method === 'POST') {
      let body;
      try {
        body = parseBody(req, await readBody(req));
      } catch {
        return sendError(res, 400, 'The body is not valid JSON');
      }
      if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        return sendError(res, 400, 'Send a JSON or form object');
      }
      return sendJson(res, 201, { ...body, id: USERS.length + 1 }, { Location: `/api/users/${USERS.length + 1}` });
    }
    if (param !== undefined && method === 'GET') {
      const user = USERS.find((candidate) => String(candidate.id) === param);
      return user ? sendJson(res, 200, user) : sendError(res, 404, `No user with id '${param}'`);
    }
    return sendError(res, 405, `${method} is not allowed here`);
  }

  if (method !== 'GET' && method !== 'HEAD') return sendError(res, 405, `${method} is not allowed here`);

  if (resource === 'paged' && param && extra === undefined) return handlePaged(param, query, res);
  if (resource === 'stats' && param === 'count') return sendJson(res, 200, { count: USERS.length });
  if (resource === 'stats' && param === 'version') return sendText(res, 200, VERSION);
  if (resource === 'rows') return sendJson(res, 200, generatedRows(intParam(query, 'count', 100, MAX_GENERATED_ROWS)));
  if (resource === 'slow') {
    const ms = intParam(query, 'ms', 1000, MAX_DELAY_MS);
    await new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        timers.delete(timer);
        resolve();
      };
      const timer = setTimeout(finish, ms);
      timers.add(timer);
      res.on('close', finish);
    });
    if (res.destroyed) return undefined;
    return sendJson(res, 200, { delayedMs: ms });
  }
  if (resource === 'status' && param !== undefined) {
    const code = /^\d{3}$/.test(param) ? Number(param) : NaN;
    if (!(code >= 200 && code <= 599)) return sendError(res, 400, `'${param}' is not a status code from 200 to 599`);
    if (code === 204 || code === 304) {
      res.writeHead(code);
      return res.end();
    }
    if (code < 300) return sendJson(res, code, { status: code });
    return sendError(res, code, `The demo API answered ${code} because you asked for it`);
  }
  return sendError(res, 404, `No endpoint ${url.pathname}`);
}

/**
 * Starts the demo API. Resolves once it listens: `url` is its origin, `baseUrl` the `/api`
 * URL to put in a rest-connection, `close()` stops it (also with requests in flight).
 */
function startDemoApi({ port = 0, host = '127.0.0.1' } = {}) {
  const timers = new Set();
  const server = http.createServer((req, res) => {
    route(req, res, timers).catch((err) => {
      if (res.headersSent) return res.destroy();
      return sendError(res, err.statusCode || 500, err.statusCode ? err.message : 'Internal error');
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      const hostInUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      const url = `http://${hostInUrl}:${address.port}`;
      resolve({
        url,
        baseUrl: `${url}/api`,
        port: address.port,
        server,
        close: () =>
          new Promise((done) => {
            for (const timer of timers) clearTimeout(timer);
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

/** The port to serve on: DEMO_API_PORT, or the default. */
function demoApiPort() {
  return Number(process.env.DEMO_API_PORT || DEFAULT_PORT);
}

module.exports = { startDemoApi, demoApiPort, DEFAULT_PORT, USERS, DEMO_TOKEN, DEMO_USER, DEMO_API_KEY, VERSION };

if (require.main === module) {
  const port = demoApiPort();
  startDemoApi({ port }).then(
    (api) => {
      console.log(`Demo API listening on ${api.baseUrl}`);
      const stop = () => api.close().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    },
    (err) => {
      console.error(`Demo API could not start on port ${port}: ${err.message}`);
      process.exit(1);
    },
  );
}
