/** Where a request goes: the base URL, a node's path appended to it, a link resolved against a page. */
import { Quote, RestError, quoting } from '../errors';
import { assertSameOrigin, resolveOnOrigin } from './same-origin';

/** What the client's same-origin refusals call the request. */
const SUBJECT = 'The request';

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
    return resolveOnOrigin(path, base, base.origin, SUBJECT, () => invalidUrl('Path', path));
  }
  const url = new URL(base.href);
  const queryStart = path.search(/[?#]/);
  const pathPart = queryStart === -1 ? path : path.slice(0, queryStart);
  const rest = queryStart === -1 ? '' : path.slice(queryStart);
  const basePath = url.pathname.replace(/\/+$/, '');
  const relative = pathPart === '' ? '' : pathPart.startsWith('/') ? pathPart : `/${pathPart}`;
  url.pathname = basePath + relative || '/';
  assertUnderBasePath(url, basePath, pathPart);
  if (rest) {
    const hashStart = rest.indexOf('#');
    const query = hashStart === -1 ? rest : rest.slice(0, hashStart);
    // Keep the base URL's own query parameters and add the path's.
    for (const [name, value] of new URLSearchParams(query.replace(/^\?/, ''))) url.searchParams.append(name, value);
  }
  url.hash = '';
  assertSameOrigin(url, base.origin, SUBJECT);
  return url;
}

/**
 * The URL parser resolves `..` segments, also written `%2e%2e` or with backslashes, so
 * `/../../admin` on `https://h/api/v1` would become `https://h/admin`: a path may move within the
 * base URL's path, never above it (as a `..` placeholder value may not change the path at all).
 */
function assertUnderBasePath(url: URL, basePath: string, path: string): void {
  if (basePath === '' || url.pathname === basePath || url.pathname.startsWith(`${basePath}/`)) return;
  throw new RestError(
    'ERR_VALUE',
    quoting`Path ${new Quote(path, 200)} climbs above the base URL's path ${basePath} (it has .. segments, which may be written %2e%2e or with backslashes): use a path below it.`,
  );
}

/** Resolves a link (e.g. a next page) like a browser would (RFC 3986), against the page it came from. */
export function resolveLink(href: string, pageUrl: string, base: URL): URL {
  return resolveOnOrigin(href, pageUrl, base.origin, SUBJECT, () => invalidUrl('Link', href));
}

function invalidUrl(what: string, text: string): RestError {
  return new RestError('ERR_CONFIG', `${what} "${text}" is not a valid URL.`);
}
