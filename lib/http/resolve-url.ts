/** Where a request goes: resolving paths against the base URL, origins, placeholders. */
import { RestError } from '../errors';

/** Parses and checks the connection's base URL. */
export function parseBaseUrl(baseUrl: string): URL {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new RestError(
      'ERR_CONFIG',
      `Base URL "${baseUrl}" is not a valid URL (expected http://host or https://host).`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RestError('ERR_CONFIG', `Base URL must start with http:// or https://, not ${url.protocol}//.`);
  }
  if (url.username || url.password) {
    throw new RestError(
      'ERR_CONFIG',
      'Base URL must not contain a user name or password: use the connection credentials.',
    );
  }
  return url;
}

/** `https://h/x` or `//h/x`; `items:search` is a relative path with a colon, not a scheme. */
const ABSOLUTE_URL = /^[a-z][a-z0-9+.-]*:\/\/|^\/\//i;

/**
 * `https://h/v1` + `/users?active=1` -> `https://h/v1/users?active=1`: the path is appended to
 * the base URL's path, never resolved like a link (which would drop `/v1`). An absolute URL is
 * accepted only on the base URL's origin, so credentials never reach another host.
 */
export function resolveRequestUrl(base: URL, path: string): URL {
  if (ABSOLUTE_URL.test(path)) {
    let target: URL;
    try {
      target = new URL(path, base);
    } catch {
      throw new RestError('ERR_CONFIG', `Path "${path}" is not a valid URL.`);
    }
    assertSameOrigin(base, target);
    return target;
  }
  const url = new URL(base.href);
  const queryStart = path.search(/[?#]/);
  const pathPart = queryStart === -1 ? path : path.slice(0, queryStart);
  const rest = queryStart === -1 ? '' : path.slice(queryStart);
  const basePath = url.pathname.replace(/\/+$/, '');
  const relative = pathPart === '' ? '' : pathPart.startsWith('/') ? pathPart : `/${pathPart}`;
  url.pathname = basePath + relative || '/';
  if (rest) {
    const hashStart = rest.indexOf('#');
    const query = hashStart === -1 ? rest : rest.slice(0, hashStart);
    // Keep the base URL's own query parameters and add the path's.
    for (const [name, value] of new URLSearchParams(query.replace(/^\?/, ''))) url.searchParams.append(name, value);
  }
  url.hash = '';
  assertSameOrigin(base, url);
  return url;
}

/** Resolves a link (e.g. a next page) like a browser would (RFC 3986), against the page it came from. */
export function resolveLink(href: string, pageUrl: string, base: URL): URL {
  let target: URL;
  try {
    target = new URL(href, pageUrl);
  } catch {
    throw new RestError('ERR_CONFIG', `Link "${href}" is not a valid URL.`);
  }
  assertSameOrigin(base, target);
  return target;
}

export function assertSameOrigin(base: URL, target: URL): void {
  if (target.origin !== base.origin) {
    throw new RestError(
      'ERR_ORIGIN',
      `Refused to send a request to ${target.origin}: this connection only talks to ${base.origin} (its base URL), so its credentials cannot leak to another host.`,
    );
  }
}

const PLACEHOLDER = /\{\{\s*([^{}]+?)\s*\}\}/g;

/**
 * `/users/{{payload.id}}` -> `/users/42`. Each value is URL-encoded, so a value cannot change
 * the path's structure (`a/b` becomes `a%2Fb`).
 */
export function expandPlaceholders(template: string, lookup: (expression: string) => unknown): string {
  return template.replace(PLACEHOLDER, (_match, expression: string) => {
    const value = lookup(expression);
    if (value === undefined || value === null) {
      throw new RestError(
        'ERR_VALUE',
        `Path placeholder {{${expression}}} has no value: msg.${expression} is not set.`,
      );
    }
    if (typeof value === 'object') {
      throw new RestError(
        'ERR_VALUE',
        `Path placeholder {{${expression}}} is an object; it must be a string, number or boolean.`,
      );
    }
    const text = String(value);
    // `.` and `..` survive URL-encoding and would move the request to another path.
    if (text === '.' || text === '..') {
      throw new RestError('ERR_VALUE', `Path placeholder {{${expression}}} is "${text}", which would change the path.`);
    }
    return encodeURIComponent(text);
  });
}
