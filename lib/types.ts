/**
 * The properties and credentials of the three nodes, exactly as they are stored in flow JSON
 * (see README "Node reference"). Runtime code and the editor defaults (lib/definitions.ts)
 * both derive from these types, so a renamed field fails to compile.
 */

export interface NameValue {
  name: string;
  value: string;
}

/** A name/value pair whose value is a Node-RED typedInput (str, num, bool, msg, flow, global, env, jsonata). */
export interface TypedNameValue extends NameValue {
  type: string;
}

export type AuthType = 'none' | 'basic' | 'digest' | 'bearer' | 'apiKey' | 'oauth2';
export type OAuth2Grant =
  | 'client_credentials'
  | 'password'
  | 'refresh_token'
  | 'authorization_code'
  /** RFC 8628: log in on another device (headless installs). */
  | 'device_code'
  /** RFC 7523 §2.1: a signed JWT is the grant (Salesforce, Google server-to-server). */
  | 'jwt_bearer';
export type ProxyAuthScheme = 'auto' | 'basic' | 'digest' | 'ntlm';
/**
 * client_secret_basic, client_secret_post, a public client that sends only client_id (RFC 6749
 * §2.3), or a client assertion signed with `jwtPrivateKey` (RFC 7523 §2.2).
 */
export type OAuth2ClientAuth = 'header' | 'body' | 'none' | 'private_key_jwt';
export type JwtAlgorithm = 'RS256' | 'PS256' | 'ES256';
export type TlsMinVersion = 'default' | 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
export type BodyType = 'json' | 'form' | 'multipart' | 'text' | 'none';
export type PagingMode = 'none' | 'nextUrl' | 'linkHeader' | 'offset' | 'page' | 'cursor';

export interface ConnectionProperties {
  name: string;
  baseUrl: string;
  authType: AuthType;
  tokenHeader: string;
  tokenPrefix: string;
  apiKeyName: string;
  apiKeyIn: 'header' | 'query';
  oauth2Grant: OAuth2Grant;
  discoveryUrl: string;
  tokenUrl: string;
  authorizeUrl: string;
  revokeUrl: string;
  scope: string;
  tokenParams: NameValue[];
  /** Where `tokenParams` go on token and refresh requests. */
  tokenParamsIn: 'body' | 'query';
  /** Extra headers sent to the token endpoint only (token, refresh, revoke, device requests), never to the API. */
  tokenHeaders: NameValue[];
  authorizeParams: NameValue[];
  clientAuth: OAuth2ClientAuth;
  usePkce: boolean;
  accessTokenPath: string;
  refreshTokenPath: string;
  expiresInPath: string;
  /** Signature of the JWTs the connection makes (private_key_jwt, jwt_bearer). */
  jwtAlgorithm: JwtAlgorithm;
  /** `kid` header of those JWTs (empty: none). */
  jwtKeyId: string;
  /** `sub` of the jwt_bearer assertion (empty: the client ID). */
  jwtSubject: string;
  /** `aud` of those JWTs (empty: the token endpoint URL). */
  jwtAudience: string;
  /** RFC 8628 device authorization endpoint (empty: from discovery). */
  deviceAuthorizationUrl: string;
  /** JSONPath of an instance URL in the token response (Salesforce `$.instance_url`): API calls go to its origin. */
  instanceUrlPath: string;
  headers: NameValue[];
  queryParams: NameValue[];
  cookies: NameValue[];
  useProxy: boolean;
  proxyUrl: string;
  proxyDomain: string;
  /** How to answer the proxy's 407: `auto` answers the scheme it asks for (NTLM, Digest or Basic). */
  proxyAuthScheme: ProxyAuthScheme;
  noProxy: string;
  tlsMinVersion: TlsMinVersion;
  tlsVerify: boolean;
  tlsServerName: string;
  caCertPath: string;
  clientCertPath: string;
  clientKeyPath: string;
  /** PKCS#12 (.p12/.pfx) file on the device; used when the `pfx` credential is empty. */
  pfxPath: string;
  timeout: number;
  retries: number;
  /** Ours, beyond the contract: also retry POST and PATCH (off: they may not be idempotent). */
  retryNonIdempotent: boolean;
  maxResponseBytes: number;
  /** Requests of this connection in flight at once, across its nodes (0: no limit); the rest wait in order. */
  maxConcurrent: number;
  /** Requests started per second (decimals allowed, 0: no limit). */
  rateLimit: number;
  /** Requests that may wait for maxConcurrent/rateLimit; one more fails at once with ERR_QUEUE_FULL. */
  maxQueued: number;
  /** Path (appended like a node's `path`) that Test connection requests with authentication; empty: `baseUrl` itself. */
  testPath: string;
}

export interface ConnectionCredentials {
  username?: string;
  password?: string;
  token?: string;
  apiKey?: string;
  clientId?: string;
  clientSecret?: string;
  refreshToken?: string;
  accessToken?: string;
  caCert?: string;
  clientCert?: string;
  clientKey?: string;
  passphrase?: string;
  /** A PKCS#12 (.p12/.pfx) client certificate and key, base64. */
  pfx?: string;
  proxyUsername?: string;
  proxyPassword?: string;
  /** PEM private key that signs the connection's JWTs (private_key_jwt, jwt_bearer). */
  jwtPrivateKey?: string;
}

export type CredentialType = 'text' | 'password';

export interface QueryNodeProperties {
  name: string;
  connection: string;
  method: HttpMethod | 'use';
  path: string;
  query: TypedNameValue[];
  headers: TypedNameValue[];
  bodyType: BodyType;
  outputProperty: string;
}

export interface GridProperties extends QueryNodeProperties {
  rowsPath: string;
  columns: ColumnDefinition[];
  format: 'objects' | 'arrays';
  split: boolean;
  /** With split: rows per message (1: the row itself; more: an array of rows). */
  batchSize: number;
  paging: PagingMode;
  nextPath: string;
  pageParam: string;
  pageSizeParam: string;
  pageSize: number;
  maxPages: number;
}

export interface ColumnDefinition {
  name: string;
  path: string;
}

export interface ScalarProperties extends QueryNodeProperties {
  valuePath: string;
  valueType: 'auto' | 'string' | 'number' | 'boolean';
  missing: 'error' | 'null' | 'default';
  defaultValue: string;
}
