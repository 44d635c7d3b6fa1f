'use strict';
/**
 * A protected API for OAuth2 tests: it verifies the bearer JWT it receives against the
 * authorization server's JWKS (signature, issuer, expiry) and answers 401 otherwise. Tokens
 * can also be rejected explicitly (`api.reject(token)`), as a server does after revocation.
 *
 *   const api = await startProtectedApi(auth);   // auth from startAuthServer()
 *   api.url; api.requests (each {token, status}); api.rejectAll = true;
 */
const http = require('node:http');
const jose = require('jose');

async function startProtectedApi(auth, { header = 'authorization', prefix = 'Bearer ' } = {}) {
  const rejected = new Set();
  /** @type {{ path: string | undefined, token: string, status: number }[]} */
  const requests = [];
  const state = { forbiddenBody: null };
  const jwks = () => jose.createLocalJWKSet({ keys: auth.server.issuer.keys.toJSON() });

  const server = http.createServer(async (req, res) => {
    const raw = req.headers[header] ?? '';
    const token = prefix && raw.startsWith(prefix) ? raw.slice(prefix.length) : prefix ? '' : raw;
    const record = { path: req.url, token, status: 0 };
    requests.push(record);
    const answer = (status, body) => {
      record.status = status;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (!token) return answer(401, { error: 'missing token' });
    if (rejected.has(token)) {
      if (state.forbiddenBody) return answer(403, state.forbiddenBody);
      return answer(401, { error: 'invalid_token' });
    }
    try {
      const { payload } = await jose.jwtVerify(token, jwks(), { issuer: auth.url });
      answer(200, { ok: true, path: req.url, sub: payload.sub ?? null, value: 42 });
    } catch (err) {
      answer(401, { error: 'invalid_token', reason: err.code });
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    /** Rejects a token from now on (401, or 403 with `forbiddenBody` when set). */
    reject(token) {
      rejected.add(token);
    },
    set forbiddenBody(body) {
      state.forbiddenBody = body;
    },
    tokensSeen() {
      return requests.map((request) => request.token);
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

module.exports = { startProtectedApi };
