/**
 * Error classification, in one place: what a request throws becomes a RestError with a stable
 * code and a message that says in plain words what went wrong and what to change.
 * - `classifyTransportError`: TLS and proxy failures (ERR_TLS, ERR_PROXY), for API requests (got)
 *   and for OAuth2 token requests (@hapi/wreck) alike.
 * - `mapRequestError`: everything an API request throws: the above, then timeouts, too many
 *   redirects and unreachable servers (ERR_TIMEOUT, ERR_HTTP_STATUS, ERR_NETWORK), redacted.
 */
import tls from 'node:tls';
import { RestError, isRestError } from '../errors';
import type { SecretRedactor } from '../redact';
import { proxyAuthMessage } from '../transport/proxy-auth/failure-message';
import { proxyFailureOf, type ProxyFailure } from '../transport/proxy-failures';

export interface RequestErrorContext {
  /** The request's URL as a message may show it (credentials masked). */
  url: string;
  timeout: number;
  redactor: SecretRedactor;
  /** The connection's tlsMinVersion, to name both versions when the server offers none it accepts. */
  tlsMinVersion?: string;
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'the connection was refused (is the server running and the port right?)',
  ENOTFOUND: 'the host name could not be resolved (DNS)',
  EAI_AGAIN: 'the host name could not be resolved right now (DNS)',
  ECONNRESET: 'the server closed the connection',
  EPIPE: 'the server closed the connection',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  ECONNABORTED: 'the connection was aborted',
};

/** A connection that ends in these ways after the status line cut the body short. */
const READ_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE']);

/** The status of the response got had received when the request failed (its body unfinished). */
function receivedStatus(err: unknown): number | undefined {
  const statusCode = (err as { response?: { statusCode?: unknown } })?.response?.statusCode;
  return typeof statusCode === 'number' ? statusCode : undefined;
}

/**
 * Whatever a request threw (or the transport's ERR_PROXY for a proxy's 407 answer) as a RestError
 * with a stable code; its message and body pass the redactor.
 */
export function mapRequestError(err: unknown, context: RequestErrorContext): RestError {
  const mapped = classify(err, context);
  const safe = new RestError(mapped.code, context.redactor.redact(mapped.message), {
    statusCode: mapped.statusCode,
    headers: mapped.headers,
    responseBody: mapped.responseBody === undefined ? undefined : context.redactor.redact(mapped.responseBody),
    responseUrl: mapped.responseUrl,
  });
  return safe;
}

function classify(err: unknown, context: RequestErrorContext): RestError {
  if (isRestError(err)) return err;
  const fromTransport = classifyTransportError(err, { tlsMinVersion: context.tlsMinVersion });
  if (fromTransport) return fromTransport;
  const error = err as { name?: string; code?: string; message?: string; cause?: { code?: string } };
  const code = error.code ?? error.cause?.code ?? '';
  if (error.name === 'TimeoutError' || code === 'ETIMEDOUT') {
    return new RestError(
      'ERR_TIMEOUT',
      `No answer from ${context.url} within ${context.timeout} ms (the connection's timeout, per attempt).`,
    );
  }
  if (error.name === 'MaxRedirectsError') {
    return new RestError('ERR_HTTP_STATUS', `Too many redirects from ${context.url}.`);
  }
  if (/CERT|SSL|TLS/.test(code)) {
    return new RestError('ERR_TLS', `TLS connection to ${context.url} failed: ${error.message ?? code}.`);
  }
  const statusCode = receivedStatus(err);
  if (statusCode !== undefined && (READ_CODES.has(code) || error.name === 'ReadError')) {
    return new RestError(
      'ERR_NETWORK',
      `The connection to ${context.url} was closed while reading the response: the server answered HTTP ${statusCode}, then the body stopped before its end (${code || 'read error'}).`,
    );
  }
  if (NETWORK_CODES[code]) {
    return new RestError('ERR_NETWORK', `Could not reach ${context.url}: ${NETWORK_CODES[code]} (${code}).`);
  }
  return new RestError('ERR_NETWORK', `Request to ${context.url} failed: ${error.message ?? String(err)}.`);
}

// ---------------------------------------------------------------------------------------------
// TLS and proxy failures (also those of OAuth2 token requests)

const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_UNTRUSTED',
]);
/** TLS versions from oldest to newest, as tlsMinVersion names them. */
const VERSIONS: readonly string[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/** What the connection's settings tell about a TLS failure. */
export interface TlsSettings {
  tlsMinVersion?: string;
}

const EXPIRED = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);
const UNREACHABLE: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'no answer',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

/** The error, then what it wraps (got: cause; wreck/Boom: data), outermost first. */
function causeChain(err: unknown): Record<string, unknown>[] {
  const chain: Record<string, unknown>[] = [];
  let current: unknown = err;
  while (typeof current === 'object' && current !== null && !chain.includes(current as Record<string, unknown>)) {
    const item = current as Record<string, unknown>;
    chain.push(item);
    current = item.cause ?? (item.isBoom ? item.data : undefined);
  }
  return chain;
}

/**
 * A TLS or proxy failure as ERR_TLS / ERR_PROXY in plain words, from what got (RequestError, the
 * cause in `cause`) or @hapi/wreck (a Boom error, the cause in `data`) throws; undefined for any
 * other error. A RestError that is already ERR_TLS or ERR_PROXY is returned as it is.
 */
export function classifyTransportError(err: unknown, settings: TlsSettings = {}): RestError | undefined {
  if (isRestError(err)) return err.code === 'ERR_TLS' || err.code === 'ERR_PROXY' ? err : undefined;
  const chain = causeChain(err);
  for (const item of chain) {
    const failure = proxyFailureOf(item);
    if (failure) return proxyError(failure, item, err);
  }
  const status = statusOf(chain[0]);
  if (status === 407) {
    return new RestError(
      'ERR_PROXY',
      'The proxy refused the credentials (407 Proxy Authentication Required): check proxyUsername, proxyPassword and proxyDomain',
      { statusCode: 407, cause: err },
    );
  }
  // Innermost first: the original error carries the details (peer certificate, host).
  for (const item of [...chain].reverse()) {
    const message = tlsMessage(item, settings);
    if (message) return new RestError('ERR_TLS', withHost(message, err), { cause: err });
  }
  return undefined;
}

/** The HTTP status of an error that carries a response (got HTTPError, Boom). */
function statusOf(err: Record<string, unknown> | undefined): number | undefined {
  const response = err?.response as { statusCode?: unknown } | undefined;
  if (typeof response?.statusCode === 'number') return response.statusCode;
  const data = err?.data as { isResponseError?: unknown } | undefined;
  const output = err?.output as { statusCode?: unknown } | undefined;
  if (err?.isBoom && data?.isResponseError && typeof output?.statusCode === 'number') return output.statusCode;
  return undefined;
}

function proxyError(failure: ProxyFailure, item: Record<string, unknown>, err: unknown): RestError {
  const { proxy, target, statusCode } = failure;
  let message: string;
  if (statusCode === 407) {
    message = proxyAuthMessage(proxy.label, proxy.auth.hasCredentials, failure.auth);
  } else if (statusCode !== undefined) {
    message = `The proxy ${proxy.label} would not open a connection to ${target} (HTTP ${statusCode})`;
  } else if (item.message === 'Proxy timeout') {
    message = `The proxy ${proxy.label} did not answer in time`;
  } else {
    const tls = tlsMessage(item, {});
    const code = typeof item.code === 'string' ? item.code : '';
    message = tls
      ? `The TLS connection to the proxy ${proxy.label} failed: ${tls}`
      : `Cannot reach the proxy ${proxy.label}: ${UNREACHABLE[code] ?? 'connection failed'}${code ? ` (${code})` : ''}`;
  }
  return new RestError('ERR_PROXY', message, { statusCode, cause: err });
}

/** A plain-words description of a TLS failure, or undefined when the error is not about TLS. */
function tlsMessage(item: Record<string, unknown>, settings: TlsSettings): string | undefined {
  const code = typeof item.code === 'string' ? item.code : '';
  const text = typeof item.message === 'string' ? item.message : '';
  if (UNTRUSTED.has(code)) {
    return `The server's certificate is not trusted: it is self-signed or issued by an unknown certificate authority (${code}). Add the CA certificate as caCert or caCertPath`;
  }
  if (EXPIRED.has(code)) {
    return `The server's certificate ${code === 'CERT_HAS_EXPIRED' ? 'has expired' : 'is not valid yet'} (${code}): the server must renew it`;
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const names = certificateNames(item.cert);
    const host = typeof item.host === 'string' ? item.host : 'this host';
    return `The server's certificate is for another host name: it names ${names || 'no matching host'}, not ${host} (${code}). Use a host name the certificate names, or set tlsServerName to it`;
  }
  if (code === 'ECONNRESET' && /before secure TLS connection was established/.test(text)) {
    return 'The server closed the connection during the TLS handshake: it may require a client certificate or reject this one (check clientCert and clientKey), or accept none of the offered TLS versions (check tlsMinVersion)';
  }
  if (/wrong version number|packet length too long|http request/i.test(text)) {
    return 'The server did not answer with TLS (wrong version number): check that the URL uses https:// only for a TLS port';
  }
  if (
    /unsupported protocol|protocol version|no protocols available|legacy sigalg|version too low/i.test(text) ||
    code === 'ERR_SSL_UNSUPPORTED_PROTOCOL'
  ) {
    return versionMismatch(settings.tlsMinVersion, opensslReason(text, code));
  }
  if (
    /certificate required|handshake failure|peer did not return a certificate|bad certificate|unknown ca|certificate unknown/i.test(
      text,
    )
  ) {
    return `The server rejected the TLS handshake, usually because it requires a client certificate or did not accept this one (${opensslReason(text, code)}): check clientCert and clientKey`;
  }
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || /SSL routines/.test(text)) {
    return `The TLS handshake failed (${opensslReason(text, code)})`;
  }
  return undefined;
}

/**
 * No TLS version in common. This client offers every version from its minimum up to TLS 1.3, so
 * the server's highest version is below that minimum: name both.
 */
function versionMismatch(setting: string | undefined, reason: string): string {
  const chosen = setting && setting !== 'default' && VERSIONS.includes(setting) ? setting : undefined;
  const minimum = chosen ?? tls.DEFAULT_MIN_VERSION;
  const below = VERSIONS[VERSIONS.indexOf(minimum) - 1];
  const asks = chosen
    ? `tlsMinVersion asks for ${chosen}`
    : `this connection accepts ${minimum} or later (tlsMinVersion default)`;
  const offers = below
    ? `the server offers at most ${below}`
    : 'the server offers no TLS version this connection accepts';
  const advice = chosen
    ? `set tlsMinVersion to ${below ?? 'default'} or default, or have the server offer ${chosen}`
    : below
      ? `set tlsMinVersion to ${below} only if that server cannot be upgraded`
      : 'the server must be upgraded';
  return `The server and this connection have no TLS version in common (${reason}): ${offers}, ${asks}; ${advice}`;
}

/** "api.example.com, 10.0.0.1" out of a peer certificate's subjectaltname (or its CN). */
function certificateNames(cert: unknown): string {
  const { subjectaltname, subject } = (cert ?? {}) as { subjectaltname?: unknown; subject?: { CN?: unknown } };
  if (typeof subjectaltname === 'string' && subjectaltname) {
    return subjectaltname
      .split(', ')
      .map((name) => name.replace(/^(DNS|IP Address):/, ''))
      .join(', ');
  }
  return typeof subject?.CN === 'string' ? subject.CN : '';
}

/** "tlsv1 alert protocol version" out of OpenSSL's long message, or the code. */
function opensslReason(text: string, code: string): string {
  const reason = /SSL routines:[^:]*:([^:]+)/.exec(text)?.[1];
  return reason ? reason.trim() : code || text;
}

/** Names the host when got says which request failed. */
function withHost(message: string, err: unknown): string {
  const url = (err as { options?: { url?: unknown } })?.options?.url;
  return url instanceof URL ? `${url.host}: ${message}` : message;
}
