/**
 * A certified OpenID Provider (npm `oidc-provider`, ESM, loaded with import()) on a free loopback
 * port over plain HTTP, with its own login and consent pages (./oidc-interactions) and a user to
 * drive them (./oidc-user-agent).
 *
 *   const op = await startOidcProvider({ redirectUris: ['http://127.0.0.1:1880/callback'], ttl: { accessToken: 2 } });
 *   op.issuer;                   // http://127.0.0.1:<port>, discovery at /.well-known/openid-configuration
 *   op.endpoints.token;          // http://127.0.0.1:<port>/token
 *   op.events;                   // [{ name: 'grant.error', grantType: 'refresh_token', clientAuth: 'none', error: 'invalid_grant', … }]
 *   await op.close();
 *
 * What it offers
 * - Grants: client_credentials, authorization_code (+ PKCE S256), refresh_token,
 *   urn:ietf:params:oauth:grant-type:device_code (device flow at /device/auth, user page /device).
 * - Refresh tokens are issued to every client allowed the refresh_token grant (no offline_access
 *   scope needed) and do not end with the browser session. Rotation is on by default
 *   (`rotateRefreshToken: false` turns it off). Reuse detection is the provider's own: presenting
 *   an already rotated refresh token answers 400 invalid_grant ("grant request is invalid"; the
 *   reason "refresh token already used" is only in the event's errorDetail) AND revokes the whole
 *   grant, so the newest refresh token and its access tokens die with it (event grant.revoked).
 * - Revocation (/token/revocation) and introspection (/token/introspection). Revoking a refresh
 *   token revokes its grant; revoking an access token revokes every token of its grant too (the
 *   refresh token included; only the consent stays). A client may revoke only its own tokens
 *   (another client's attempt is answered 200 and ignored). Access tokens are opaque: check them
 *   by introspection (see ./introspected-api); a refresh token introspects as active too, without
 *   token_type.
 * - The device authorization response has no `interval` (clients poll every 5 s, RFC 8628) and
 *   the provider never answers slow_down.
 * - Either secret method works for a secret client whatever it registered (the provider does not
 *   hold it to client_secret_basic or _post): the events' clientAuth tells what the client sent.
 *   A public client sending "Authorization: Basic base64(id:)" gets 400 invalid_request
 *   "client_secret must be provided in the Authorization header".
 * - ID tokens are signed ES256 with a key made at start (published at /jwks); discovery lists
 *   only ES256 (an RSA key for RS256 takes up to seconds to make on a busy machine).
 * - On Node 20 oidc-provider 9 prints "Unsupported runtime. Use Node.js v22.x LTS" once when
 *   loaded; everything here works on Node 20 and 22.
 * - Scopes: openid, profile, offline_access, api:read, api:write. Users log in with a password
 *   (default alice / wonderland).
 * - PKCE: required for public clients (provider default), or for every client with
 *   `pkce: 'always'`. Only S256.
 *
 * Clients: `clients` replaces the standard set (standardClients(redirectUris)):
 *   confidential-basic / confidential-post (secret "s3cret-basic" / "s3cret-post", client_secret_basic
 *   / client_secret_post), public-app (token_endpoint_auth_method none), and api-server (a resource
 *   server that may only introspect, secret "s3cret-api"). A private_key_jwt client is a client
 *   with `token_endpoint_auth_method: 'private_key_jwt'` and `jwks: { keys: [publicJwk] }`.
 * ttl (seconds): accessToken (also client_credentials tokens) 60, refreshToken 3600,
 *   authorizationCode 60, deviceCode 300, idToken 60.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type net from 'node:net';
import type { ClientMetadata, Configuration, KoaContextWithOIDC } from 'oidc-provider' with {
  'resolution-mode': 'import',
};
import type Provider from 'oidc-provider' with { 'resolution-mode': 'import' };
import { interactionHandler } from './oidc-interactions';
import { memoryStore } from './oidc-store';

export type { ClientMetadata };

export const STANDARD_SECRETS = {
  'confidential-basic': 's3cret-basic',
  'confidential-post': 's3cret-post',
  'api-server': 's3cret-api',
} as const;

const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const USER_GRANTS = ['authorization_code', 'refresh_token', DEVICE_CODE_GRANT];

/** The standard clients, redirecting to `redirectUris`. */
export function standardClients(redirectUris: string[]): ClientMetadata[] {
  return [
    {
      client_id: 'confidential-basic',
      client_secret: STANDARD_SECRETS['confidential-basic'],
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: [...USER_GRANTS, 'client_credentials'],
      redirect_uris: redirectUris,
    },
    {
      client_id: 'confidential-post',
      client_secret: STANDARD_SECRETS['confidential-post'],
      token_endpoint_auth_method: 'client_secret_post',
      grant_types: [...USER_GRANTS, 'client_credentials'],
      redirect_uris: redirectUris,
    },
    {
      client_id: 'public-app',
      token_endpoint_auth_method: 'none',
      grant_types: USER_GRANTS,
      redirect_uris: redirectUris,
    },
    {
      client_id: 'api-server',
      client_secret: STANDARD_SECRETS['api-server'],
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: [],
      response_types: [],
      redirect_uris: [],
    },
  ];
}

export interface OidcProviderOptions {
  /** The clients (default: standardClients(redirectUris)). */
  clients?: ClientMetadata[];
  /** Redirect URIs of the standard clients (default http://127.0.0.1/callback). */
  redirectUris?: string[];
  /** login → password (default { alice: 'wonderland' }). */
  users?: Record<string, string>;
  /** Token lifetimes in seconds. */
  ttl?: {
    accessToken?: number;
    refreshToken?: number;
    authorizationCode?: number;
    deviceCode?: number;
    idToken?: number;
  };
  /** Rotate refresh tokens on use (default true). */
  rotateRefreshToken?: boolean;
  /** 'public' (default: only clients without a secret must use PKCE) or 'always'. */
  pkce?: 'public' | 'always';
}

/** Something the provider reported: token endpoint results, grant revocations, errors. */
export interface OidcEvent {
  name: string;
  clientId?: string;
  grantType?: string;
  /** How the client authenticated, read from the request (the provider itself accepts either secret method). */
  clientAuth?: 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'none';
  grantId?: string;
  error?: string;
  errorDescription?: string;
  /** The provider's own reason, which it does not send to the client (e.g. "refresh token already used"). */
  errorDetail?: string;
}

export interface OidcEndpoints {
  discovery: string;
  authorization: string;
  token: string;
  revocation: string;
  introspection: string;
  deviceAuthorization: string;
  userinfo: string;
  jwks: string;
}

export interface OidcProvider {
  /** http://127.0.0.1:<port> (also the base URL of every endpoint). */
  readonly issuer: string;
  readonly port: number;
  readonly endpoints: OidcEndpoints;
  readonly clients: ClientMetadata[];
  /** Events in the order they happened. */
  readonly events: OidcEvent[];
  /** The oidc-provider instance, for what this wrapper does not cover. */
  readonly provider: Provider;
  close(): Promise<void>;
}

/** A fresh ES256 signing key (an RSA key would take up to seconds to make on a busy machine). */
function signingKey(): crypto.JsonWebKey {
  const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { ...privateKey.export({ format: 'jwk' }), kid: 'peer-test-es256', use: 'sig' };
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A bare HTML page around oidc-provider's own device-flow form (so no "customize this page" notices). */
function devicePage(ctx: KoaContextWithOIDC, title: string, form: string, button?: string): void {
  ctx.type = 'html';
  ctx.body = `<!DOCTYPE html><html><head><title>${title}</title></head><body><h1>${title}</h1>${form}${button ?? ''}</body></html>`;
}

function configuration(options: OidcProviderOptions, clients: ClientMetadata[], jwk: crypto.JsonWebKey): Configuration {
  const ttl = options.ttl ?? {};
  const users = options.users ?? { alice: 'wonderland' };
  return {
    adapter: memoryStore(),
    clients,
    jwks: { keys: [jwk] },
    // Signing with the EC key: ID tokens (and userinfo, if asked) use ES256 instead of RS256.
    clientDefaults: { id_token_signed_response_alg: 'ES256' },
    cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
    scopes: ['openid', 'profile', 'offline_access', 'api:read', 'api:write'],
    claims: { openid: ['sub'], profile: ['name'] },
    findAccount: (_ctx, id) =>
      Object.hasOwn(users, id) ? { accountId: id, claims: () => ({ sub: id, name: `User ${id}` }) } : undefined,
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true, allowedPolicy: (_ctx, client) => client.clientAuthMethod !== 'none' },
      revocation: { enabled: true, allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId },
      deviceFlow: {
        enabled: true,
        userCodeInputSource: (ctx, form, _out, err) =>
          devicePage(
            ctx,
            err ? 'The code is not valid' : 'Enter the code',
            form,
            '<button form="op.deviceInputForm">Continue</button>',
          ),
        userCodeConfirmSource: (ctx, form, client, _info, userCode) =>
          devicePage(
            ctx,
            `Confirm device ${escapeHtml(userCode)} for ${escapeHtml(client.clientId)}`,
            form,
            '<button form="op.deviceConfirmForm">Continue</button>',
          ),
        successSource: (ctx) => devicePage(ctx, 'Sign-in Success', '<p>You can now close this page.</p>'),
      },
    },
    pkce: { required: (_ctx, client) => options.pkce === 'always' || client.clientAuthMethod === 'none' },
    rotateRefreshToken: options.rotateRefreshToken ?? true,
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    expiresWithSession: () => false,
    clientBasedCORS: () => false,
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.body = `<!DOCTYPE html><html><body><h1>${escapeHtml(String(out.error))}</h1><p>${escapeHtml(String(out.error_description ?? ''))}</p></body></html>`;
    },
    ttl: {
      AccessToken: ttl.accessToken ?? 60,
      ClientCredentials: ttl.accessToken ?? 60,
      AuthorizationCode: ttl.authorizationCode ?? 60,
      DeviceCode: ttl.deviceCode ?? 300,
      IdToken: ttl.idToken ?? 60,
      RefreshToken: ttl.refreshToken ?? 3600,
      Grant: 24 * 3600,
      Interaction: 600,
      Session: 24 * 3600,
    },
  };
}

function recordEvents(provider: Provider, events: OidcEvent[]): void {
  const clientAuth = (ctx: KoaContextWithOIDC): OidcEvent['clientAuth'] => {
    const body = (ctx.oidc?.body ?? {}) as Record<string, unknown>;
    if (/^basic /i.test(ctx.headers.authorization ?? '')) return 'client_secret_basic';
    if (body.client_secret) return 'client_secret_post';
    if (body.client_assertion) return 'private_key_jwt';
    return 'none';
  };
  const about = (ctx: KoaContextWithOIDC) => ({
    clientId: ctx.oidc?.client?.clientId,
    grantType: ctx.oidc?.params?.grant_type as string | undefined,
    clientAuth: clientAuth(ctx),
  });
  const failure = (err: Error & { error?: string; error_description?: string; error_detail?: string }) => ({
    error: err.error ?? err.name,
    errorDescription: err.error_description ?? err.message,
    ...(err.error_detail ? { errorDetail: err.error_detail } : {}),
  });
  provider.on('grant.success', (ctx) => events.push({ name: 'grant.success', ...about(ctx) }));
  provider.on('grant.error', (ctx, err) => events.push({ name: 'grant.error', ...about(ctx), ...failure(err) }));
  provider.on('grant.revoked', (ctx, grantId) => events.push({ name: 'grant.revoked', ...about(ctx), grantId }));
  const onError = (name: string) => (ctx: KoaContextWithOIDC, err: Error) =>
    events.push({ name, ...about(ctx), ...failure(err) });
  provider.on('authorization.error', onError('authorization.error'));
  provider.on('revocation.error', onError('revocation.error'));
  provider.on('introspection.error', onError('introspection.error'));
  provider.on('server_error', onError('server_error'));
}

/** Starts the provider on a free loopback port. */
export async function startOidcProvider(options: OidcProviderOptions = {}): Promise<OidcProvider> {
  const { default: ProviderClass } = await import('oidc-provider');
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const issuer = `http://127.0.0.1:${port}`;
  const clients = options.clients ?? standardClients(options.redirectUris ?? ['http://127.0.0.1/callback']);
  const provider = new ProviderClass(issuer, configuration(options, clients, signingKey()));
  const events: OidcEvent[] = [];
  recordEvents(provider, events);

  const providerHandler = provider.callback();
  const interactions = interactionHandler(provider, options.users ?? { alice: 'wonderland' });
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (!req.url?.startsWith('/interaction/')) return void providerHandler(req, res);
    interactions(req, res).catch((err: Error) => {
      events.push({ name: 'interaction.error', error: err.name, errorDescription: err.message });
      if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(err.message);
    });
  });

  return {
    issuer,
    port,
    clients,
    events,
    provider,
    endpoints: {
      discovery: `${issuer}/.well-known/openid-configuration`,
      authorization: `${issuer}/auth`,
      token: `${issuer}/token`,
      revocation: `${issuer}/token/revocation`,
      introspection: `${issuer}/token/introspection`,
      deviceAuthorization: `${issuer}/device/auth`,
      userinfo: `${issuer}/me`,
      jwks: `${issuer}/jwks`,
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
