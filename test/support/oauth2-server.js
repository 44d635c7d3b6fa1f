'use strict';
/**
 * A real authorization server on loopback (oauth2-mock-server) with a ledger, for OAuth2 tests:
 * it counts token requests per grant, records how the client authenticated (header, body or
 * none) and what it sent, keeps track of live refresh tokens (rotation: a used or unknown refresh
 * token answers invalid_grant, echoing it back, as some servers do), and can shape answers
 * (nested JSON, form-encoded, no expires_in, errors).
 *
 * Client authentication follows RFC 6749 §2.3 on the token and revocation endpoints, as a
 * standards-following provider does: a confidential client (`clientId`) proves its secret in
 * the Basic header or the body; a public client (`publicClientId`) sends only `client_id` in
 * the body; a Basic header with an empty secret is `invalid_request`.
 *
 *   const auth = await startAuthServer({ clientId: 'app', clientSecret: 's3cr3t' });
 *   auth.url; auth.tokenUrl; auth.count('refresh_token'); auth.behaviour.expiresIn = 5;
 *   auth.behaviour.answerDelayMs = 500; // a slow token endpoint (it has rotated already)
 *   auth.behaviour.revokeFamilyOnReuse = true; // a reused refresh token revokes its whole grant
 */
const crypto = require('node:crypto');
const http = require('node:http');
const { OAuth2Server } = require('oauth2-mock-server');

async function startAuthServer({
  clientId = 'test-client',
  clientSecret = 'client-secret-value-123',
  publicClientId = 'public-test-client',
} = {}) {
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
      const client = authenticateClient(req);
      ledger.revocations.push({ ...req.body, clientAuth: client.method, clientId: client.id, status: client.status });
      if (client.error) {
        res.writeHead(client.status, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ error: client.error, error_description: client.description }));
      }
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

  /**
   * @type {{
   *   tokenRequests: {grant: string, clientAuth: string, clientId?: string, params: Record<string, string>,
   *     status: number, accessToken?: string, refreshToken?: string}[],
   *   revocations: Record<string, string | number | undefined>[],
   *   authorizeRequests: Record<string, unknown>[],
   *   revokedFamilies: string[],
   * }}
   */
  const ledger = { tokenRequests: [], revocations: [], authorizeRequests: [], revokedFamilies: [] };
  const liveRefreshTokens = new Set();
  /** Grant family of every refresh token issued (live or retired): reuse detection revokes a whole family. */
  const familyOf = new Map();

  /**
   * RFC 6749 §2.3: who the client is and whether it proved it. Answers {id, method} or, when
   * refused, also {status, error, description} (the OAuth2 error to send).
   */
  function authenticateClient(req) {
    const body = req.body ?? {};
    const header = req.headers.authorization;
    const basic = parseBasic(header);
    const method = basic ? 'header' : body.client_secret !== undefined ? 'body' : 'none';
    const refuse = (status, error, description) => ({
      id: basic?.id ?? body.client_id,
      method,
      status,
      error,
      description,
    });
    if (header && !basic) return refuse(400, 'invalid_request', 'invalid authorization header value format');
    if (basic && !basic.id)
      return refuse(400, 'invalid_request', 'client_id must be provided in the Authorization header');
    if (basic && !basic.secret) {
      return refuse(400, 'invalid_request', 'client_secret must be provided in the Authorization header');
    }
    if (basic && body.client_secret !== undefined) {
      return refuse(400, 'invalid_request', 'client authentication must only be provided using one mechanism');
    }
    const id = basic ? basic.id : body.client_id;
    const secret = basic ? basic.secret : body.client_secret;
    if (id === publicClientId) {
      // An empty client_secret counts as absent (RFC 6749 §3.1); the ledger still shows it was sent.
      if (secret) return refuse(401, 'invalid_client', 'a public client has no secret to send');
      return { id, method, status: 200 };
    }
    if (id !== clientId || secret !== clientSecret)
      return refuse(401, 'invalid_client', 'unknown client or wrong secret');
    return { id, method, status: 200 };
  }
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
    /**
     * Reuse detection (OAuth 2.0 Security BCP §4.14.2): a retired refresh token sent again
     * revokes every live refresh token of its grant, as providers with rotation do.
     */
    revokeFamilyOnReuse: false,
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
    const client = authenticateClient(req);
    const entry = {
      grant: body.grant_type,
      clientAuth: client.method,
      clientId: client.id,
      params: { ...body },
      status: 200,
    };
    ledger.tokenRequests.push(entry);
    const reject = (status, error, description) => {
      response.statusCode = entry.status = status;
      response.body = { error, error_description: description };
      // The refusal in a header too, echoing what the body says (secrets included).
      req.res.set('www-authenticate', `Bearer error="${error}", error_description="${description}"`);
    };
    if (client.error) return reject(client.status, client.error, client.description);
    if (body.grant_type === 'password' && body.password !== 'user-password-value') {
      return reject(400, 'invalid_grant', 'wrong username or password');
    }
    let family = crypto.randomUUID();
    if (body.grant_type === 'refresh_token') {
      if (!liveRefreshTokens.has(body.refresh_token)) {
        if (behaviour.revokeFamilyOnReuse && familyOf.has(body.refresh_token))
          revokeFamily(familyOf.get(body.refresh_token));
        // Echoes the token back, as some servers do: the client must not show it.
        return reject(400, 'invalid_grant', `refresh token ${body.refresh_token} is expired or revoked`);
      }
      family = familyOf.get(body.refresh_token) ?? family;
      if (behaviour.rotate) liveRefreshTokens.delete(body.refresh_token);
      else response.body.refresh_token = body.refresh_token;
    }
    if (body.grant_type === 'client_credentials' && behaviour.clientCredentialsRefresh) {
      response.body.refresh_token = crypto.randomUUID();
    }
    if (response.body.refresh_token) {
      liveRefreshTokens.add(response.body.refresh_token);
      familyOf.set(response.body.refresh_token, family);
    }
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

  // Client authentication and the ledger entry happen in the listener above.
  server.service.on('beforeRevoke', (_response, req) => {
    liveRefreshTokens.delete(req.body.token);
  });

  function revokeFamily(family) {
    ledger.revokedFamilies.push(family);
    for (const token of liveRefreshTokens) if (familyOf.get(token) === family) liveRefreshTokens.delete(token);
  }

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
    publicClientId,
    ledger,
    behaviour,
    liveRefreshTokens,
    /** Token requests so far, of one grant or all. */
    count(grant) {
      return ledger.tokenRequests.filter((entry) => !grant || entry.grant === grant).length;
    },
    /**
     * A refresh token the server will accept once (as if issued earlier), in a grant of its own.
     * @param {string} value
     * @returns {string}
     */
    issueRefreshToken(value) {
      liveRefreshTokens.add(value);
      familyOf.set(value, crypto.randomUUID());
      return value;
    },
    /** Refresh tokens sent to the token endpoint more than once (reuse), in the order first reused. */
    reusedRefreshTokens() {
      const sent = ledger.tokenRequests
        .filter((entry) => entry.grant === 'refresh_token')
        .map((e) => e.params.refresh_token);
      return [...new Set(sent.filter((token, index) => sent.indexOf(token) !== index))];
    },
    /** Every token value this server issued: none may appear in anything the user sees. */
    issuedSecrets() {
      return ledger.tokenRequests.flatMap((entry) => [entry.accessToken, entry.refreshToken]).filter(Boolean);
    },
    reset() {
      ledger.tokenRequests.length = 0;
      ledger.revocations.length = 0;
      ledger.authorizeRequests.length = 0;
      ledger.revokedFamilies.length = 0;
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
