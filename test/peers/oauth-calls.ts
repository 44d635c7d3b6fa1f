/**
 * OAuth 2.0 requests written out by hand with fetch, for the OpenID Provider peer tests: token
 * endpoint calls with each client authentication method, PKCE pairs, authorization URLs and
 * private_key_jwt client assertions. No project code and no OAuth library.
 */
import crypto from 'node:crypto';
import type { OidcProvider } from '../support/peers/oidc-provider';

export interface OAuthResponse {
  status: number;
  /** The JSON body (token response or error). */
  body: Record<string, unknown> & { error?: string; error_description?: string };
}

export type ClientAuth =
  | { method: 'client_secret_basic'; clientId: string; secret: string }
  | { method: 'client_secret_post'; clientId: string; secret: string }
  | { method: 'none'; clientId: string }
  | { method: 'private_key_jwt'; clientId: string; assertion: string };

/** POSTs form parameters to `endpoint`, authenticating the client as `auth` says. */
export async function postForm(
  endpoint: string,
  params: Record<string, string>,
  auth: ClientAuth,
): Promise<OAuthResponse> {
  const form = new URLSearchParams(params);
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (auth.method === 'client_secret_basic') {
    const pair = `${encodeURIComponent(auth.clientId)}:${encodeURIComponent(auth.secret)}`;
    headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
  } else {
    form.set('client_id', auth.clientId);
    if (auth.method === 'client_secret_post') form.set('client_secret', auth.secret);
    if (auth.method === 'private_key_jwt') {
      form.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
      form.set('client_assertion', auth.assertion);
    }
  }
  const res = await fetch(endpoint, { method: 'POST', headers, body: form.toString() });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as OAuthResponse['body']) : {} };
}

/** A PKCE verifier and its S256 challenge (RFC 7636). */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = crypto.randomBytes(32).toString('base64url');
  return { verifier, challenge: crypto.createHash('sha256').update(verifier).digest('base64url') };
}

/** An authorization request URL for the code flow. */
export function authorizationUrl(
  op: OidcProvider,
  params: { clientId: string; redirectUri: string; scope: string; state: string; challenge?: string },
): string {
  const url = new URL(op.endpoints.authorization);
  url.search = new URLSearchParams({
    client_id: params.clientId,
    redirect_uri: params.redirectUri,
    response_type: 'code',
    scope: params.scope,
    state: params.state,
    ...(params.challenge ? { code_challenge: params.challenge, code_challenge_method: 'S256' } : {}),
  }).toString();
  return url.href;
}

/** A client assertion (RFC 7523 §2.2) signed with an EC P-256 key (ES256). */
export function clientAssertion(clientId: string, audience: string, key: crypto.KeyObject, kid: string): string {
  const now = Math.floor(Date.now() / 1000);
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode({ alg: 'ES256', typ: 'JWT', kid })}.${encode({
    iss: clientId,
    sub: clientId,
    aud: audience,
    jti: crypto.randomUUID(),
    iat: now,
    exp: now + 60,
  })}`;
  const signature = crypto.sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}
