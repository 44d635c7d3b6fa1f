'use strict';
/**
 * A real authorization server on loopback (oauth2-mock-server) with a ledger, for OAuth2 tests:
 * it counts token requests per grant, records how the client authenticated (header or body)
 * and what it sent, keeps track of live refresh tokens (rotation: a used or unknown refresh
 * token answers invalid_grant, echoing it back, as some servers do), and can shape answers
 * (nested JSON, form-encoded, no expires_in, errors).
 *
 *   const auth = await startAuthServer({ clientId: 'app', clientSecret: 's3cr3t' });
 *   auth.url; auth.tokenUrl; auth.count('refresh_token'); auth.behaviour.expiresIn = 5;
 *   auth.behaviour.answerDelayMs = 500; // a slow token endpoint (it has rotated already)
 */
const crypto = require('node:crypto');
const http = require('node:http');
const { OAuth2Server } = require('oauth2-mock-server');

async function startAuthServer({ clientId = 'test-client', clientSecret = 'client-secret-value-123' } = {}) {
  const server = new OAuth2Server();
  await server.issuer.keys.generate('RS256');
  // The mock's own listener cannot be stopped and restarted on the same port, and its
  // revocation endpoint does not parse the form body; this listener serves the mock's
  // handler and reads the revocation form for the ledger.
  const handler = server.service.requestHandler;
  const listener = http.createServer((req, res) => {
    if (req.method !== 'POST' || !req.url.startsWith('/revoke')) return handler(req, res);
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      req.body = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      handler(req, res);
    });
  });
  let port = 0;
  const listen = () =>
    new Promise((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(port, '127.0.0.1', () => {
        port = listener.address().port;
        server.issuer.url = `http://127.0.0.1:${port}`;
        resolve();
      });
    });
  await listen();

  const ledger = { tokenRequests: [], revocations: [], authorizeRequests: [] };
  const liveRefreshTokens = new Set();
  /** How the server answers; `reset()` brings these back. */
  const DEFAULT_BEHAVIOUR = {
    /** expires_in of the next answers; null leaves it out ("valid until a 401"). */
    expiresIn: 3600,
    /** Whether a refresh answers with a new refresh token (and retires the old one). */
    rotate: true,
    /** (body) => new body, e.g. to nest it under `data`. */
    shape: null,
    /** Answer application/x-www-form-urlencoded instead of JSON. */
    form: false,
    /** Milliseconds the token endpoint holds its answer back, AFTER it handled the request (and rotated). */
    answerDelayMs: 0,
    /** Whether client_credentials answers carry a refresh token too (some servers do). */
    clientCredentialsRefresh: false,
  };
  const behaviour = { ...DEFAULT_BEHAVIOUR };

  server.service.on('beforeTokenSigning', (token) => {
    const expiresIn = behaviour.expiresIn ?? 3600;
    token.payload.exp = Math.floor(Date.now() / 1000) + expiresIn;
    // Two tokens signed in the same second would otherwise be identical.
    token.payload.jti = crypto.randomUUID();
  });

  server.service.on('beforeResponse', (response, req) => {
    const body = req.body ?? {};
    const basic = parseBasic(req.headers.authorization);
    const entry = {
      grant: body.grant_type,
      clientAuth: basic ? 'header' : body.client_secret !== undefined ? 'body' : 'none',
      clientId: basic ? basic.id : body.client_id,
      params: { ...body },
      status: 200,
    };
    ledger.tokenRequests.push(entry);
    const secretSent = basic ? basic.secret : body.client_secret;
    const reject = (status, error, description) => {
      response.statusCode = entry.status = status;
      response.body = { error, error_description: description };
      // The refusal in a header too, echoing what the body says (secrets included).
      req.res.set('www-authenticate', `Bearer error="${error}", error_description="${description}"`);
    };
    if (entry.clientId !== clientId || (secretSent !== undefined && secretSent !== clientSecret)) {
      return reject(401, 'invalid_client', 'unknown client or wrong secret');
    }
    if (body.grant_type === 'password' && body.password !== 'user-password-value') {
      return reject(400, 'invalid_grant', 'wrong username or password');
    }
    if (body.grant_type === 'refresh_token') {
      if (!liveRefreshTokens.has(body.refresh_token)) {
        // Echoes the token back, as some servers do: the client must not show it.
        return reject(400, 'invalid_grant', `refresh token ${body.refresh_token} is expired or revoked`);
      }
      if (behaviour.rotate) liveRefreshTokens.delete(body.refresh_token);
      else response.body.refresh_token = body.refresh_token;
    }
    if (body.grant_type === 'client_credentials' && behaviour.clientCredentialsRefresh) {
      response.body.refresh_token = crypto.randomUUID();
    }
    if (response.body.refresh_token) liveRefreshTokens.add(response.body.refresh_token);
    entry.accessToken = response.body.access_token;
    entry.refreshToken = response.body.refresh_token;
    if (behaviour.expiresIn === null) delete response.body.expires_in;
    else response.body.expires_in = behaviour.expiresIn;
    if (behaviour.shape) response.body = behaviour.shape(response.body);
    if (behaviour.form) {
      req.res.json = function sendForm(answer) {
        const fields = Object.fromEntries(Object.entries(answer).map(([name, value]) => [name, String(value)]));
        return this.type('application/x-www-form-urlencoded').send(new URLSearchParams(fields).toString());
      };
    }
    if (behaviour.answerDelayMs) {
      const answer = req.res.json;
      req.res.json = function later(payload) {
        setTimeout(() => answer.call(this, payload), behaviour.answerDelayMs);
        return this;
      };
    }
  });

  server.service.on('beforeAuthorizeRedirect', (_redirect, req) => {
    ledger.authorizeRequests.push({ ...req.query });
  });

  server.service.on('beforeRevoke', (_response, req) => {
    const basic = parseBasic(req.headers.authorization);
    ledger.revocations.push({ ...req.body, clientAuth: basic ? 'header' : 'body' });
    liveRefreshTokens.delete(req.body.token);
  });

  return {
    server,
    get url() {
      return server.issuer.url;
    },
    get tokenUrl() {
      return `${server.issuer.url}/token`;
    },
    get authorizeUrl() {
      return `${server.issuer.url}/authorize`;
    },
    get revokeUrl() {
      return `${server.issuer.url}/revoke`;
    },
    get discoveryUrl() {
      return `${server.issuer.url}/.well-known/openid-configuration`;
    },
    get port() {
      return port;
    },
    clientId,
    clientSecret,
    ledger,
    behaviour,
    liveRefreshTokens,
    /** Token requests so far, of one grant or all. */
    count(grant) {
      return ledger.tokenRequests.filter((entry) => !grant || entry.grant === grant).length;
    },
    /** A refresh token the server will accept once (as if issued earlier). */
    issueRefreshToken(value) {
      liveRefreshTokens.add(value);
      return value;
    },
    /** Every token value this server issued: none may appear in anything the user sees. */
    issuedSecrets() {
      return ledger.tokenRequests.flatMap((entry) => [entry.accessToken, entry.refreshToken]).filter(Boolean);
    },
    reset() {
      ledger.tokenRequests.length = 0;
      ledger.revocations.length = 0;
      ledger.authorizeRequests.length = 0;
      Object.assign(behaviour, DEFAULT_BEHAVIOUR);
    },
    /** Stops listening (the token endpoint is down); `start()` brings it back on the same port. */
    stop() {
      listener.closeAllConnections();
      return new Promise((resolve) => listener.close(resolve));
    },
    start: listen,
  };
}

function parseBasic(header) {
  const match = /^Basic (.+)$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const decode = (text) => decodeURIComponent(text.replace(/\+/g, ' '));
  return { id: decode(decoded.slice(0, colon)), secret: decode(decoded.slice(colon + 1)) };
}

module.exports = { startAuthServer };
