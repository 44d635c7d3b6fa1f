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
import crypto from 'node:crypto';
import http from 'node:http';
import type net from 'node:net';
import { OAuth2Server, type MutableResponse, type MutableToken } from 'oauth2-mock-server';

/** A form or query as the server parsed it. */
export type Params = Record<string, string | undefined>;

export interface TokenRequestEntry {
  grant: string | undefined;
  clientAuth: ClientAuthMethod;
  clientId?: string;
  params: Params;
  status: number;
  accessToken?: string;
  refreshToken?: string;
}

export interface Ledger {
  tokenRequests: TokenRequestEntry[];
  revocations: Record<string, string | number | undefined>[];
  authorizeRequests: Record<string, unknown>[];
  revokedFamilies: string[];
}

export type ClientAuthMethod = 'header' | 'body' | 'none';

/** How the server answers; `reset()` brings these back. */
export interface Behaviour {
  /** expires_in of the next answers; null leaves it out ("valid until a 401"). */
  expiresIn: number | null;
  /** Whether a refresh answers with a new refresh token (and retires the old one). */
  rotate: boolean;
  /** (body) => new body, e.g. to nest it under `data`. */
  shape: ((body: Record<string, unknown>) => Record<string, unknown>) | null;
  /** Answer application/x-www-form-urlencoded instead of JSON. */
  form: boolean;
  /** Milliseconds the token endpoint holds its answer back, AFTER it handled the request (and rotated). */
  answerDelayMs: number;
  /** Whether client_credentials answers carry a refresh token too (some servers do). */
  clientCredentialsRefresh: boolean;
  /**
   * Reuse detection (OAuth 2.0 Security BCP §4.14.2): a retired refresh token sent again
   * revokes every live refresh token of its grant, as providers with rotation do.
   */
  revokeFamilyOnReuse: boolean;
}

const DEFAULT_BEHAVIOUR: Behaviour = {
  expiresIn: 3600,
  rotate: true,
  shape: null,
  form: false,
  answerDelayMs: 0,
  clientCredentialsRefresh: false,
  revokeFamilyOnReuse: false,
};

/** What this server uses of the express response the mock hands over. */
interface ExpressResponse {
  set(name: string, value: string): unknown;
  type(type: string): ExpressResponse;
  send(body: string): ExpressResponse;
  json(body: unknown): ExpressResponse;
}

/** What this server uses of the express request the mock hands over (or of a plain request). */
interface ParsedRequest {
  headers: http.IncomingHttpHeaders;
  body?: Params;
  query?: Record<string, unknown>;
  res?: ExpressResponse;
}

interface ClientCheck {
  id: string | undefined;
  method: ClientAuthMethod;
  status: number;
  error?: string;
  description?: string;
}

export interface StartOptions {
  clientId?: string;
  clientSecret?: string;
  publicClientId?: string;
}

export type AuthServer = Awaited<ReturnType<typeof startAuthServer>>;

export async function startAuthServer({
  clientId = 'test-client',
  clientSecret = 'client-secret-value-123',
  publicClientId = 'public-test-client',
}: StartOptions = {}) {
  const server = new OAuth2Server();
  await server.issuer.keys.generate('RS256');
  const ledger: Ledger = { tokenRequests: [], revocations: [], authorizeRequests: [], revokedFamilies: [] };
  const liveRefreshTokens = new Set<string>();
  /** Grant family of every refresh token issued (live or retired): reuse detection revokes a whole family. */
  const familyOf = new Map<string, string>();
  const behaviour: Behaviour = { ...DEFAULT_BEHAVIOUR };

  // The mock's own listener cannot be stopped and restarted on the same port, and its
  // revocation endpoint does not parse the form body; this listener serves the mock's
  // handler and reads the revocation form for the ledger.
  const handler = server.service.requestHandler;
  const listener = http.createServer((req, res) => {
    if (req.method !== 'POST' || !(req.url ?? '').startsWith('/revoke')) return handler(req, res);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      (req as http.IncomingMessage & { body?: Params }).body = body;
      const client = authenticateClient({ headers: req.headers, body });
      ledger.revocations.push({ ...body, clientAuth: client.method, clientId: client.id, status: client.status });
      if (client.error) {
        res.writeHead(client.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: client.error, error_description: client.description }));
        return;
      }
      handler(req, res);
    });
  });
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(port, '127.0.0.1', () => {
        port = (listener.address() as net.AddressInfo).port;
        server.issuer.url = `http://127.0.0.1:${port}`;
        resolve();
      });
    });
  await listen();

  /**
   * RFC 6749 §2.3: who the client is and whether it proved it. Answers {id, method} or, when
   * refused, also {status, error, description} (the OAuth2 error to send).
   */
  function authenticateClient(req: ParsedRequest): ClientCheck {
    const body = req.body ?? {};
    const header = req.headers.authorization;
    const basic = parseBasic(header);
    const method: ClientAuthMethod = basic ? 'header' : body.client_secret !== undefined ? 'body' : 'none';
    const refuse = (status: number, error: string, description: string): ClientCheck => ({
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

  server.service.on('beforeTokenSigning', (token: MutableToken) => {
    const expiresIn = behaviour.expiresIn ?? 3600;
    token.payload.exp = Math.floor(Date.now() / 1000) + expiresIn;
    // Two tokens signed in the same second would otherwise be identical.
    token.payload.jti = crypto.randomUUID();
  });

  server.service.on('beforeResponse', (response: MutableResponse, req: ParsedRequest) => {
    const body = req.body ?? {};
    const res = req.res!;
    const client = authenticateClient(req);
    const entry: TokenRequestEntry = {
      grant: body.grant_type,
      clientAuth: client.method,
      clientId: client.id,
      params: { ...body },
      status: 200,
    };
    ledger.tokenRequests.push(entry);
    const reject = (status: number, error: string, description: string) => {
      response.statusCode = entry.status = status;
      response.body = { error, error_description: description };
      // The refusal in a header too, echoing what the body says (secrets included).
      res.set('www-authenticate', `Bearer error="${error}", error_description="${description}"`);
    };
    if (client.error) return reject(client.status, client.error, client.description ?? '');
    if (body.grant_type === 'password' && body.password !== 'user-password-value') {
      return reject(400, 'invalid_grant', 'wrong username or password');
    }
    const answer: Record<string, unknown> = response.body === '' ? {} : response.body;
    let family: string = crypto.randomUUID();
    if (body.grant_type === 'refresh_token') {
      const sent = body.refresh_token ?? '';
      if (!liveRefreshTokens.has(sent)) {
        const reusedFamily = familyOf.get(sent);
        if (behaviour.revokeFamilyOnReuse && reusedFamily !== undefined) revokeFamily(reusedFamily);
        // Echoes the token back, as some servers do: the client must not show it.
        return reject(400, 'invalid_grant', `refresh token ${body.refresh_token} is expired or revoked`);
      }
      family = familyOf.get(sent) ?? family;
      if (behaviour.rotate) liveRefreshTokens.delete(sent);
      else answer.refresh_token = sent;
    }
    if (body.grant_type === 'client_credentials' && behaviour.clientCredentialsRefresh) {
      answer.refresh_token = crypto.randomUUID();
    }
    const refreshToken = typeof answer.refresh_token === 'string' ? answer.refresh_token : undefined;
    if (refreshToken) {
      liveRefreshTokens.add(refreshToken);
      familyOf.set(refreshToken, family);
    }
    entry.accessToken = typeof answer.access_token === 'string' ? answer.access_token : undefined;
    entry.refreshToken = refreshToken;
    if (behaviour.expiresIn === null) delete answer.expires_in;
    else answer.expires_in = behaviour.expiresIn;
    response.body = behaviour.shape ? behaviour.shape(answer) : answer;
    if (behaviour.form) {
      res.json = function sendForm(this: ExpressResponse, payload: unknown) {
        const fields = Object.fromEntries(
          Object.entries(payload as Record<string, unknown>).map(([name, value]) => [name, String(value)]),
        );
        return this.type('application/x-www-form-urlencoded').send(new URLSearchParams(fields).toString());
      };
    }
    if (behaviour.answerDelayMs) {
      const send = res.json.bind(res);
      const delay = behaviour.answerDelayMs;
      res.json = (payload: unknown) => {
        setTimeout(() => send(payload), delay);
        return res;
      };
    }
  });

  server.service.on('beforeAuthorizeRedirect', (_redirect: unknown, req: ParsedRequest) => {
    ledger.authorizeRequests.push({ ...req.query });
  });

  // Client authentication and the ledger entry happen in the listener above.
  server.service.on('beforeRevoke', (_response: unknown, req: ParsedRequest) => {
    liveRefreshTokens.delete(req.body?.token ?? '');
  });

  function revokeFamily(family: string) {
    ledger.revokedFamilies.push(family);
    for (const token of liveRefreshTokens) if (familyOf.get(token) === family) liveRefreshTokens.delete(token);
  }

  return {
    server,
    get url(): string {
      return server.issuer.url ?? '';
    },
    get tokenUrl(): string {
      return `${server.issuer.url}/token`;
    },
    get authorizeUrl(): string {
      return `${server.issuer.url}/authorize`;
    },
    get revokeUrl(): string {
      return `${server.issuer.url}/revoke`;
    },
    get discoveryUrl(): string {
      return `${server.issuer.url}/.well-known/openid-configuration`;
    },
    get port(): number {
      return port;
    },
    clientId,
    clientSecret,
    publicClientId,
    ledger,
    behaviour,
    liveRefreshTokens,
    /** Token requests so far, of one grant or all. */
    count(grant?: string): number {
      return ledger.tokenRequests.filter((entry) => !grant || entry.grant === grant).length;
    },
    /** A refresh token the server will accept once (as if issued earlier), in a grant of its own. */
    issueRefreshToken(value: string): string {
      liveRefreshTokens.add(value);
      familyOf.set(value, crypto.randomUUID());
      return value;
    },
    /** Refresh tokens sent to the token endpoint more than once (reuse), in the order first reused. */
    reusedRefreshTokens(): (string | undefined)[] {
      const sent = ledger.tokenRequests
        .filter((entry) => entry.grant === 'refresh_token')
        .map((e) => e.params.refresh_token);
      return [...new Set(sent.filter((token, index) => sent.indexOf(token) !== index))];
    },
    /** Every token value this server issued: none may appear in anything the user sees. */
    issuedSecrets(): string[] {
      return ledger.tokenRequests
        .flatMap((entry) => [entry.accessToken, entry.refreshToken])
        .filter((value): value is string => Boolean(value));
    },
    reset(): void {
      ledger.tokenRequests.length = 0;
      ledger.revocations.length = 0;
      ledger.authorizeRequests.length = 0;
      ledger.revokedFamilies.length = 0;
      Object.assign(behaviour, DEFAULT_BEHAVIOUR);
    },
    /** Stops listening (the token endpoint is down); `start()` brings it back on the same port. */
    stop(): Promise<void> {
      listener.closeAllConnections();
      return new Promise<void>((resolve) => listener.close(() => resolve()));
    },
    start: listen,
  };
}

function parseBasic(header: string | undefined): { id: string; secret: string } | undefined {
  const match = /^Basic (.+)$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const decode = (text: string) => decodeURIComponent(text.replace(/\+/g, ' '));
  return { id: decode(decoded.slice(0, colon)), secret: decode(decoded.slice(colon + 1)) };
}
