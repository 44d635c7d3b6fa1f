/**
 * The headers of a request: the connection's (checked once, when the client is built), then the
 * node's and the message's over them (names are case-insensitive), and the connection's cookies
 * joined into one Cookie header after any Cookie header given by node or message.
 */
import { validateHeaderName, validateHeaderValue } from 'node:http';
import { Quote, RestError, quoting, type ErrorCode } from '../errors';
import type { NameValue } from '../types';

export type HeaderValues = Record<string, string | number | boolean | undefined>;

/** The connection's header list as lower-case names; a header HTTP does not allow is ERR_CONFIG. */
export function headersFromList(list: NameValue[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const { name, value } of list ?? [])
    if (name) headers[name.toLowerCase()] = checkedHeader(name, String(value ?? ''), 'ERR_CONFIG');
  return headers;
}

/** The connection's cookie list as one Cookie header value ('' when there are none). */
export function cookieHeaderFromList(list: NameValue[]): string {
  return (list ?? [])
    .filter(({ name }) => name)
    .map(({ name, value }) => `${name}=${value ?? ''}`)
    .join('; ');
}

/** The headers of one request: `extra` over the connection's `base`, then the cookies. */
export function requestHeaders(
  base: Record<string, string>,
  extra: HeaderValues | undefined,
  cookieHeader: string,
): Record<string, string> {
  const headers: Record<string, string> = { ...base };
  for (const [name, value] of Object.entries(extra ?? {})) {
    if (value === undefined || value === null) continue;
    headers[name.toLowerCase()] = checkedHeader(name, String(value));
  }
  if (cookieHeader) {
    headers['cookie'] = headers['cookie'] ? `${headers['cookie']}; ${cookieHeader}` : cookieHeader;
  }
  return headers;
}

/** A header Node.js would refuse (a line break, a space in the name) is the flow's mistake, said clearly. */
function checkedHeader(name: string, value: string, code: ErrorCode = 'ERR_VALUE'): string {
  try {
    validateHeaderName(name);
    validateHeaderValue(name, value);
  } catch {
    throw new RestError(
      code,
      quoting`Header ${new Quote(name)} has a character HTTP does not allow in its name or value.`,
    );
  }
  return value;
}
