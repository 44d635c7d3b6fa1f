/**
 * Defaults and credential types of each node, the single source for the runtime and the
 * editor: the build (scripts/build.js) writes them into the editor .html files, replacing
 * the `__DEFINITIONS__` marker, so the editor and the runtime cannot drift apart.
 */
import type {
  ConnectionCredentials,
  ConnectionProperties,
  CredentialType,
  GridProperties,
  QueryNodeProperties,
  ScalarProperties,
} from './types';

export const connectionDefaults: ConnectionProperties = {
  name: '',
  baseUrl: '',
  authType: 'none',
  tokenHeader: 'Authorization',
  tokenPrefix: 'Bearer',
  apiKeyName: 'X-API-Key',
  apiKeyIn: 'header',
  oauth2Grant: 'client_credentials',
  discoveryUrl: '',
  tokenUrl: '',
  authorizeUrl: '',
  revokeUrl: '',
  scope: '',
  tokenParams: [],
  tokenParamsIn: 'body',
  tokenHeaders: [],
  authorizeParams: [],
  clientAuth: 'header',
  usePkce: true,
  accessTokenPath: '$.access_token',
  refreshTokenPath: '$.refresh_token',
  expiresInPath: '$.expires_in',
  jwtAlgorithm: 'RS256',
  jwtKeyId: '',
  jwtSubject: '',
  jwtAudience: '',
  deviceAuthorizationUrl: '',
  instanceUrlPath: '',
  headers: [],
  queryParams: [],
  cookies: [],
  useProxy: false,
  proxyUrl: '',
  proxyDomain: '',
  proxyAuthScheme: 'auto',
  noProxy: '',
  tlsMinVersion: 'default',
  tlsVerify: true,
  tlsServerName: '',
  caCertPath: '',
  clientCertPath: '',
  clientKeyPath: '',
  pfxPath: '',
  timeout: 30000,
  retries: 2,
  retryNonIdempotent: false,
  maxResponseBytes: 52428800,
  maxConcurrent: 0,
  rateLimit: 0,
  maxQueued: 1000,
  testPath: '',
};

export const connectionCredentialTypes: Record<keyof Required<ConnectionCredentials>, CredentialType> = {
  username: 'text',
  password: 'password',
  token: 'password',
  apiKey: 'password',
  clientId: 'text',
  clientSecret: 'password',
  refreshToken: 'password',
  accessToken: 'password',
  caCert: 'password',
  clientCert: 'password',
  clientKey: 'password',
  passphrase: 'password',
  pfx: 'password',
  proxyUsername: 'text',
  proxyPassword: 'password',
  jwtPrivateKey: 'password',
};

/** What execute-rest-grid and execute-rest-scalar share: the request and where its result goes. */
export const queryDefaults: QueryNodeProperties = {
  name: '',
  connection: '',
  method: 'GET',
  path: '',
  query: [],
  headers: [],
  bodyType: 'json',
  outputProperty: 'payload',
};

export const gridDefaults: GridProperties = {
  ...queryDefaults,
  rowsPath: '$',
  columns: [],
  format: 'objects',
  split: false,
  batchSize: 1,
  paging: 'none',
  nextPath: '',
  pageParam: '',
  pageSizeParam: '',
  pageSize: 100,
  maxPages: 100,
};

export const scalarDefaults: ScalarProperties = {
  ...queryDefaults,
  valuePath: '$',
  valueType: 'auto',
  missing: 'error',
  defaultValue: '',
};

/** What the build injects into each editor file. */
export const editorDefinitions = {
  'rest-connection': { defaults: connectionDefaults, credentials: connectionCredentialTypes },
  'execute-rest-grid': { defaults: gridDefaults },
  'execute-rest-scalar': { defaults: scalarDefaults },
};
