/**
 * OAuth2 / OpenID Connect: client_credentials, password, refresh_token and authorization_code
 * (PKCE S256) grants. Requests carry the access token in the connection's token header;
 * the TokenManager keeps it fresh. The admin routes (authorize, callback, revoke) reach the
 * login and revocation through this class, found as `client.auth` of the connection.
 */
import { RestError } from '../errors';
import { codeChallengeOf } from '../oauth2/authorization-requests';
import { TokenManager, type ResolvedEndpoints } from '../oauth2/token-manager';
import { tokenRequestHeaders } from '../oauth2/token-request-headers';
import { JwtSigner } from '../oauth2/jwt-signer';
import type { DeviceLoginStart, DeviceLoginStatus } from '../oauth2/device-login';
import type { ConnectionCredentials, ConnectionProperties, OAuth2ClientAuth, OAuth2Grant } from '../types';
import type { AuthContext } from './auth-context';
import { tokenHeaderValue } from './static';
import type { AuthStrategy, OutgoingRequest, RejectedResponse } from './strategy';

const GRANTS: readonly OAuth2Grant[] = [
  'client_credentials',
  'password',
  'refresh_token',
  'authorization_code',
  'device_code',
  'jwt_bearer',
];
const CLIENT_AUTHS: readonly OAuth2ClientAuth[] = ['header', 'body', 'none', 'private_key_jwt'];

/** A 403 that says the token is the problem deserves one renewal; any other 403 is a real "forbidden". */
const INVALID_TOKEN_BODY = /invalid[_ ]token|expired/i;

export interface AuthorizationStart {
  /** The provider's login page, to open in the browser. */
  url: string;
  /** PKCE verifier to keep until the callback; undefined without PKCE. */
  codeVerifier?: string;
}

export class OAuth2Auth implements AuthStrategy {
  readonly credentialHeaders: readonly string[];
  readonly credentialQueryParams: readonly string[] = [];
  readonly grant: OAuth2Grant;
  private readonly header: string;
  private readonly manager: TokenManager;

  constructor(
    private readonly props: ConnectionProperties,
    credentials: ConnectionCredentials,
    context: AuthContext,
  ) {
    this.grant = props.oauth2Grant || 'client_credentials';
    if (!GRANTS.includes(this.grant)) {
      throw new RestError('ERR_CONFIG', `Unknown OAuth2 grant "${String(props.oauth2Grant)}".`);
    }
    // Flows saved before clientAuth existed have none: client_secret_basic, as then.
    const clientAuth = props.clientAuth || 'header';
    if (!CLIENT_AUTHS.includes(clientAuth)) {
      throw new RestError(
        'ERR_CONFIG',
        `Unknown OAuth2 clientAuth "${String(props.clientAuth)}" (header, body, none or private_key_jwt).`,
      );
    }
    if (props.tokenParamsIn && !['body', 'query'].includes(props.tokenParamsIn)) {
      throw new RestError('ERR_CONFIG', `Unknown tokenParamsIn "${String(props.tokenParamsIn)}" (body or query).`);
    }
    // Checked now, so a bad token header is a deploy-time error rather than a failed request.
    tokenRequestHeaders(props.tokenHeaders, clientAuth === 'header' && !!credentials.clientSecret);
    if (!props.tokenUrl && !props.discoveryUrl) {
      throw new RestError(
        'ERR_CONFIG',
        'OAuth2 needs a token URL (tokenUrl) or an OpenID Connect discovery URL (discoveryUrl).',
      );
    }
    if (!credentials.clientId && this.grant !== 'refresh_token') {
      throw new RestError('ERR_CONFIG', 'OAuth2 needs a client ID (clientId).');
    }
    if (this.grant === 'password' && !credentials.username) {
      throw new RestError('ERR_CONFIG', 'The OAuth2 password grant needs a username.');
    }
    // jose is loaded only when a JWT is signed: connections without one never load it.
    const jwtSigner =
      clientAuth === 'private_key_jwt' || this.grant === 'jwt_bearer'
        ? new JwtSigner({
            privateKey: credentials.jwtPrivateKey ?? '',
            algorithm: props.jwtAlgorithm || 'RS256',
            keyId: props.jwtKeyId ?? '',
          })
        : undefined;
    this.header = (props.tokenHeader || 'Authorization').toLowerCase();
    this.credentialHeaders = [...new Set([this.header, 'authorization'])];
    const { clientId = '', clientSecret = '' } = credentials;
    context.redactor.add(
      clientSecret,
      credentials.password,
      credentials.refreshToken,
      credentials.accessToken,
      // The client_secret_basic header, should an error body echo it.
      clientSecret &&
        Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64'),
    );
    const store = context.tokenStore;
    this.manager = new TokenManager(
      {
        grant: this.grant,
        discoveryUrl: props.discoveryUrl ?? '',
        tokenUrl: props.tokenUrl ?? '',
        authorizeUrl: props.authorizeUrl ?? '',
        revokeUrl: props.revokeUrl ?? '',
        scope: props.scope ?? '',
        tokenParams: props.tokenParams ?? [],
        tokenParamsIn: props.tokenParamsIn || 'body',
        tokenHeaders: props.tokenHeaders ?? [],
        authorizeParams: props.authorizeParams ?? [],
        clientAuth,
        jwtSigner,
        jwtSubject: props.jwtSubject ?? '',
        jwtAudience: props.jwtAudience ?? '',
        deviceAuthorizationUrl: props.deviceAuthorizationUrl ?? '',
        usePkce: props.usePkce !== false,
        paths: {
          accessTokenPath: props.accessTokenPath || '$.access_token',
          refreshTokenPath: props.refreshTokenPath || '$.refresh_token',
          expiresInPath: props.expiresInPath || '$.expires_in',
          instanceUrlPath: props.instanceUrlPath ?? '',
        },
        timeout: props.timeout || 30000,
        clientId,
        clientSecret,
        username: credentials.username,
        password: credentials.password,
        refreshToken: credentials.refreshToken,
        accessToken: credentials.accessToken,
      },
      {
        connectionId: context.connectionId,
        redactor: context.redactor,
        agentsFor: (url) => context.transport.agentsFor(url),
        classifyError: (err) => context.transport.classifyError(err),
        warn: context.warn,
        store: store?.directory && store.secret ? { directory: store.directory, secret: store.secret } : undefined,
        sharedTokens: context.sharedTokens?.(),
        onStateChange: context.onStateChange,
        onTokensChanged: store?.onTokensChanged && ((tokens) => store.onTokensChanged?.(context.connectionId, tokens)),
      },
    );
  }

  async apply(request: OutgoingRequest): Promise<void> {
    const token = await this.manager.accessToken();
    request.headers[this.header] = tokenHeaderValue(this.props.tokenPrefix ?? 'Bearer', token);
  }

  /** With instanceUrlPath: baseUrl's path on the origin the token response named; credentials go only there. */
  async requestBase(base: URL): Promise<URL> {
    const instanceUrl = await this.manager.instanceUrl();
    if (!instanceUrl) return base;
    return new URL(`${base.pathname}${base.search}`, instanceUrl);
  }

  async renew(rejected: RejectedResponse): Promise<boolean> {
    if (rejected.statusCode === 403 && !INVALID_TOKEN_BODY.test(rejected.body)) return false;
    if (rejected.statusCode !== 401 && rejected.statusCode !== 403) return false;
    return this.manager.renewAfterRejection(rejected.request?.headers[this.header]);
  }

  /** Obtains (or reuses) an access token; for the editor's "Test" button. */
  async ensureToken(): Promise<void> {
    await this.manager.accessToken();
  }

  /** The current token's expiry and scopes (obtaining one when needed); for the editor's Test. */
  tokenInfo(): Promise<{ expiresAt?: number; scopes: string[] }> {
    return this.manager.tokenInfo();
  }

  endpoints(): Promise<ResolvedEndpoints> {
    return this.manager.endpoints();
  }

  /** Builds the provider's login URL for an authorization code login. */
  async startAuthorization(redirectUri: string, state: string, codeVerifier?: string): Promise<string> {
    if (this.grant !== 'authorization_code') {
      throw new RestError(
        'ERR_CONFIG',
        `The connection uses the ${this.grant} grant; "Authorize" is for the authorization_code grant.`,
      );
    }
    const params: Record<string, string> = {};
    for (const { name, value } of this.props.authorizeParams ?? []) if (name) params[name] = value;
    Object.assign(params, { redirect_uri: redirectUri, state });
    if (this.props.scope?.trim()) params.scope = this.props.scope.trim();
    if (codeVerifier) {
      params.code_challenge = codeChallengeOf(codeVerifier);
      params.code_challenge_method = 'S256';
    }
    return this.manager.authorizationUrl(params);
  }

  /** Starts the device login (device_code grant); the runtime polls until it finishes. */
  startDeviceLogin(): Promise<DeviceLoginStart> {
    if (this.grant !== 'device_code') {
      return Promise.reject(
        new RestError(
          'ERR_CONFIG',
          `The connection uses the ${this.grant} grant; "Log in on another device" is for the device_code grant.`,
        ),
      );
    }
    return this.manager.startDeviceLogin();
  }

  deviceLoginStatus(): DeviceLoginStatus | undefined {
    return this.manager.deviceLoginStatus();
  }

  get usesPkce(): boolean {
    return this.props.usePkce !== false;
  }

  completeAuthorization(code: string, redirectUri: string, codeVerifier?: string): Promise<void> {
    return this.manager.completeAuthorization(code, redirectUri, codeVerifier);
  }

  /**
   * Node-RED has saved its credentials (after any deploy), holding this refresh token: the
   * connection's own, so a later start does not take it for one the user deployed.
   */
  credentialsSaved(refreshToken: string | undefined): Promise<void> {
    return this.manager.credentialsSaved(refreshToken);
  }

  revoke(): Promise<{ revoked: string[] }> {
    return this.manager.revokeAndForget();
  }

  /** Resolves once a token request in flight has finished and its tokens are stored. */
  close(): Promise<void> {
    return this.manager.close();
  }
}

export function createOAuth2Auth(
  props: ConnectionProperties,
  credentials: ConnectionCredentials,
  context: AuthContext,
): AuthStrategy {
  return new OAuth2Auth(props, credentials, context);
}
