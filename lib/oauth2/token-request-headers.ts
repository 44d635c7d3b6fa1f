/**
 * `tokenHeaders`: extra headers for the authorization server's endpoints only (token, refresh,
 * revocation, device authorization), never for the API. Checked once, when the connection is
 * built: a header the token request sets itself cannot be replaced by one.
 */
import { validateHeaderName, validateHeaderValue } from 'node:http';
import { Quote, RestError, quoting } from '../errors';
import type { NameValue } from '../types';

/** Set by the request itself (the form body, the connection). */
const RESERVED = new Set(['content-type', 'content-length', 'host', 'transfer-encoding', 'connection']);

/**
 * The headers as lower-case names. `authorizationIsTaken`: the client authenticates with
 * `Authorization: Basic` (client_secret_basic), so a token header may not replace it.
 */
export function tokenRequestHeaders(
  list: NameValue[] | undefined,
  authorizationIsTaken: boolean,
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const { name, value } of list ?? []) {
    if (!name) continue;
    const lower = name.toLowerCase();
    const text = String(value ?? '');
    try {
      validateHeaderName(name);
      validateHeaderValue(name, text);
    } catch {
      throw new RestError(
        'ERR_CONFIG',
        quoting`Token header ${new Quote(name)} (tokenHeaders) has a character HTTP does not allow in its name or value.`,
      );
    }
    if (RESERVED.has(lower) || (lower === 'authorization' && authorizationIsTaken)) {
      throw new RestError(
        'ERR_CONFIG',
        quoting`Token header ${new Quote(name)} (tokenHeaders) is set by the token request itself and cannot be replaced.`,
      );
    }
    headers[lower] = text;
  }
  return headers;
}

/** The token URL with `tokenParams` in its query (`tokenParamsIn: query`); the URL's own parameters stay. */
export function withQueryParams(url: string, params: NameValue[] | undefined): string {
  const target = new URL(url);
  for (const { name, value } of params ?? []) if (name) target.searchParams.append(name, String(value ?? ''));
  return target.href;
}
