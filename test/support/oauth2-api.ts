/**
 * A protected API for OAuth2 tests: it verifies the bearer JWT it receives against the
 * authorization server's JWKS (signature, issuer, expiry) and answers 401 otherwise. Tokens
 * can also be rejected explicitly (`api.reject(token)`), as a server does after revocation.
 *
 *   const api = await startProtectedApi(auth);   // auth from startAuthServer()
 *   api.url; api.requests (each {token, status}); api.rejectAll = true;
 */
import http from 'node:http';
import type net from 'node:net';
import type { AuthServer } from './oauth2-server';

export interface ApiRequest {
  path: string | undefined;
  token: string;
  status: number;
}

export interface ApiOptions {
  /** The header the token comes in (lower case). */
  header?: string;
  /** What precedes the token in it; '' for the bare token. */
  prefix?: string;
}

export type ProtectedApi = Awaited<ReturnType<typeof startProtectedApi>>;

export async function startProtectedApi(
  auth: Pick<AuthServer, 'server' | 'url'>,
  { header = 'authorization', prefix = 'Bearer ' }: ApiOptions = {},
) {
  // jose is an ES module; tsx runs the tests as CommonJS, hence import().
  const jose = await import('jose');
  const rejected = new Set<string>();
  const requests: ApiRequest[] = [];
  const state: { forbiddenBody: unknown } = { forbiddenBody: null };
  const jwks = () => jose.createLocalJWKSet({ keys: auth.server.issuer.keys.toJSON() });

  const server = http.createServer((req, res) => {
    const value = req.headers[header];
    const raw = (Array.isArray(value) ? value[0] : value) ?? '';
    const token = prefix && raw.startsWith(prefix) ? raw.slice(prefix.length) : prefix ? '' : raw;
    const record: ApiRequest = { path: req.url, token, status: 0 };
    requests.push(record);
    const answer = (status: number, body: unknown) => {
      record.status = status;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (!token) return answer(401, { error: 'missing token' });
    if (rejected.has(token)) {
      if (state.forbiddenBody) return answer(403, state.forbiddenBody);
      return answer(401, { error: 'invalid_token' });
    }
    jose.jwtVerify(token, jwks(), { issuer: auth.url }).then(
      ({ payload }) => answer(200, { ok: true, path: req.url, sub: payload.sub ?? null, value: 42 }),
      (err: { code?: string }) => answer(401, { error: 'invalid_token', reason: err.code }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    requests,
    /** Rejects a token from now on (401, or 403 with `forbiddenBody` when set). */
    reject(token: string): void {
      rejected.add(token);
    },
    set forbiddenBody(body: unknown) {
      state.forbiddenBody = body;
    },
    tokensSeen(): string[] {
      return requests.map((request) => request.token);
    },
    close(): Promise<void> {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A client-credentials connection from `auth`'s token endpoint to `api`, as most OAuth2 tests
 * start one: no retries, a 3 s timeout. Spread it into the connection's properties or node.
 */
export function clientCredentialsConnection(auth: Pick<AuthServer, 'tokenUrl'>, api: Pick<ProtectedApi, 'url'>) {
  return {
    baseUrl: api.url,
    authType: 'oauth2',
    oauth2Grant: 'client_credentials',
    tokenUrl: auth.tokenUrl,
    timeout: 3000,
    retries: 0,
  } as const;
}
