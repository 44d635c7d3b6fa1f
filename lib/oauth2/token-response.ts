/**
 * Reads a token endpoint's answer. Providers differ: most send JSON at the top level, some
 * nest it (`{"data":{"token":…,"ttl":…}}`, reached with the connection's JSONPaths), some
 * (GitHub) answer `application/x-www-form-urlencoded`. All end up as one TokenSet.
 */
import { JSONPath } from 'jsonpath-plus';
import { Quote, RestError, quoting } from '../errors';

export interface TokenSet {
  accessToken: string;
  /** Absent when the server issued none (and none was kept from before). */
  refreshToken?: string;
  /** Epoch ms; absent means "valid until the API answers 401". */
  expiresAt?: number;
  /** Epoch ms when the token was obtained: the lifetime decides how early to refresh. */
  obtainedAt: number;
  /** `instanceUrlPath`: the origin the API calls go to (e.g. Salesforce's `instance_url`). */
  instanceUrl?: string;
  /** The scopes the server granted (RFC 6749 §5.1 `scope`), when its answer names them. */
  scope?: string;
}

export interface TokenPaths {
  accessTokenPath: string;
  refreshTokenPath: string;
  expiresInPath: string;
  /** Empty: the answer holds no instance URL the connection uses. */
  instanceUrlPath?: string;
}

/** JSON when it parses as JSON, form fields otherwise (content types lie too often to trust them). */
export function parseTokenBody(body: Buffer | string): unknown {
  const text = (typeof body === 'string' ? body : body.toString('utf8')).trim();
  if (text === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    if (!/^[^=&\s]+=/.test(text)) return text;
    return Object.fromEntries(new URLSearchParams(text));
  }
}

function firstMatch(document: unknown, path: string, field: string): unknown {
  if (!path) return undefined;
  try {
    const matches = JSONPath<unknown[]>({ path, json: document as object, wrap: true });
    return matches[0];
  } catch (err) {
    throw new RestError('ERR_JSONPATH', `The OAuth2 ${field} path "${path}" is not a valid JSONPath expression.`, {
      cause: err,
    });
  }
}

/** Builds a TokenSet from a parsed token response; ERR_AUTH when it holds no access token. */
export function readTokenResponse(document: unknown, paths: TokenPaths, now = Date.now()): TokenSet {
  const accessToken = firstMatch(document, paths.accessTokenPath, 'accessTokenPath');
  if (typeof accessToken !== 'string' || accessToken === '') {
    throw new RestError(
      'ERR_AUTH',
      `The token endpoint's answer has no access token at "${paths.accessTokenPath}". Check accessTokenPath on the connection.`,
    );
  }
  const refreshToken = firstMatch(document, paths.refreshTokenPath, 'refreshTokenPath');
  const expiresIn = Number(firstMatch(document, paths.expiresInPath, 'expiresInPath'));
  const instanceUrl = paths.instanceUrlPath ? readInstanceUrl(document, paths.instanceUrlPath) : undefined;
  const scope = firstMatch(document, '$.scope', 'scope');
  return {
    accessToken,
    refreshToken: typeof refreshToken === 'string' && refreshToken !== '' ? refreshToken : undefined,
    expiresAt: Number.isFinite(expiresIn) && expiresIn > 0 ? now + expiresIn * 1000 : undefined,
    obtainedAt: now,
    ...(instanceUrl ? { instanceUrl } : {}),
    ...(typeof scope === 'string' && scope.trim() ? { scope: scope.trim() } : {}),
  };
}

/**
 * The origin at `instanceUrlPath`; undefined when the answer has none (a refresh answer may
 * leave it out: the previous one stays). A value that is not an http(s) URL is ERR_AUTH.
 */
function readInstanceUrl(document: unknown, path: string): string | undefined {
  const value = firstMatch(document, path, 'instanceUrlPath');
  if (value === undefined || value === null || value === '') return undefined;
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password) {
    throw new RestError(
      'ERR_AUTH',
      quoting`The token endpoint's answer has ${new Quote(value, 100)} at "${path}" (instanceUrlPath), which is not an http:// or https:// URL.`,
    );
  }
  return url.origin;
}

/** How long before expiry a token is renewed: 60 s, or a tenth of a short lifetime. */
export function refreshSkewMs(token: TokenSet): number {
  if (token.expiresAt === undefined) return 0;
  const lifetime = token.expiresAt - token.obtainedAt;
  return Math.min(60_000, Math.max(0, lifetime) / 10);
}

/** True when the token is missing, or inside its refresh skew. */
export function needsRefresh(token: TokenSet | undefined, now = Date.now()): boolean {
  if (!token) return true;
  if (token.expiresAt === undefined) return false;
  return now >= token.expiresAt - refreshSkewMs(token);
}
