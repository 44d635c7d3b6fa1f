/**
 * An API that trusts the test OpenID Provider: it accepts a request only when the provider's
 * introspection endpoint says the bearer token is an active access token, and records what it
 * saw. This is how a resource server checks the provider's opaque access tokens.
 *
 *   const api = await startIntrospectedApi(op);        // introspects as client "api-server"
 *   GET api.url + '/anything' with Authorization: Bearer <access token>
 *     200 {"ok":true,"sub":"alice","clientId":"confidential-basic","scope":"openid api:read","path":"/anything"}
 *     401 WWW-Authenticate: Bearer error="invalid_token"  (inactive, revoked, expired, a refresh token, none)
 *   api.requests;   // [{ method, path, token, active, sub, clientId, scope, status }]
 */
import http from 'node:http';
import type net from 'node:net';
import { STANDARD_SECRETS, type OidcProvider } from './oidc-provider';

export interface IntrospectedRequest {
  method: string;
  path: string;
  /** The bearer token sent, if any. */
  token?: string;
  active: boolean;
  sub?: string;
  clientId?: string;
  scope?: string;
  status: number;
}

export interface IntrospectedApi {
  readonly url: string;
  readonly requests: IntrospectedRequest[];
  close(): Promise<void>;
}

export interface IntrospectedApiOptions {
  /** The client the API authenticates as at the introspection endpoint (default the standard api-server). */
  clientId?: string;
  clientSecret?: string;
  /** A scope every token must carry (default none). */
  requiredScope?: string;
}

interface Introspection {
  active: boolean;
  token_type?: string;
  sub?: string;
  client_id?: string;
  scope?: string;
}

async function introspect(op: OidcProvider, token: string, clientId: string, secret: string): Promise<Introspection> {
  const res = await fetch(op.endpoints.introspection, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
  });
  if (!res.ok) throw new Error(`introspection answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Introspection;
}

/** Starts the API on a free loopback port. */
export async function startIntrospectedApi(
  op: OidcProvider,
  options: IntrospectedApiOptions = {},
): Promise<IntrospectedApi> {
  const clientId = options.clientId ?? 'api-server';
  const secret = options.clientSecret ?? STANDARD_SECRETS['api-server'];
  const requests: IntrospectedRequest[] = [];

  // Every failure is answered inside (502), so the promise never rejects.
  const answer = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const token = /^Bearer (\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const seen: IntrospectedRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      token,
      active: false,
      status: 401,
    };
    requests.push(seen);
    try {
      const result = token ? await introspect(op, token, clientId, secret) : { active: false };
      // Only an access token is a bearer credential; the provider also reports refresh tokens as active.
      const accepted =
        result.active &&
        result.token_type === 'Bearer' &&
        (!options.requiredScope || (result.scope ?? '').split(' ').includes(options.requiredScope));
      Object.assign(seen, { active: accepted, sub: result.sub, clientId: result.client_id, scope: result.scope });
      if (!accepted) {
        res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"', 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'invalid_token' }));
        return;
      }
      seen.status = 200;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ ok: true, sub: result.sub, clientId: result.client_id, scope: result.scope, path: req.url }),
      );
    } catch (err) {
      seen.status = 502;
      res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ error: (err as Error).message }));
    }
  };
  const server = http.createServer((req, res) => void answer(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
