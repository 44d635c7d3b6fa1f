/**
 * The HTTP client of one connection: one got instance with the connection's keep-alive
 * agents, created once and shared by every node that uses the connection. A request goes
 * through URL resolution (same origin only), headers and query merged over the connection's,
 * body encoding, auth, one renewal after a 401, got's retries and redirects, the size limit and
 * error classification; what comes back is a RestResponse or a RestError.
 */
import { createAuthStrategy } from '../auth/create-auth-strategy';
import type { AuthContext } from '../auth/auth-context';
import type { AuthStrategy, OutgoingRequest } from '../auth/strategy';
import { RestError } from '../errors';
import { REDACTED, SecretRedactor } from '../redact';
import { Transport } from '../transport';
import type { BodyType, ConnectionCredentials, ConnectionProperties, HttpMethod } from '../types';
import { mapRequestError, type RequestErrorContext } from './classify-error';
import { computeRetryDelay, MAX_RETRY_AFTER_MS, RETRYABLE_STATUS_CODES } from './compute-retry-delay';
import { carriesBody, encodeBody } from './encode-body';
import { fetchResponse, type RawResponse } from './fetch-response';
import { loadGot, type Got, type GotNormalizedOptions, type GotOptionsInit } from './load-got';
import { mergeQuery, type QueryValue } from './merge-query';
import { cookieHeaderFromList, headersFromList, requestHeaders, type HeaderValues } from './request-headers';
import { parseBaseUrl, resolveLink, resolveRequestUrl } from './resolve-url';
import { BufferedResponse, shownResponseDetails, type RestResponse } from './rest-response';

export interface RequestSpec {
  method: HttpMethod;
  /** Appended to the base URL's path. */
  path?: string;
  /** A link (next page), resolved RFC 3986 against `base`, the URL of the page it came from. */
  link?: { href: string; base: string };
  /** Merged over the connection's queryParams. */
  query?: Record<string, QueryValue>;
  /** Merged over the connection's headers (names are case-insensitive). */
  headers?: HeaderValues;
  body?: { type: BodyType; payload: unknown };
}

export interface ClientOptions {
  connectionId?: string;
  warn?: (message: string) => void;
  env?: NodeJS.ProcessEnv;
  tokenStore?: AuthContext['tokenStore'];
  onStateChange?: AuthContext['onStateChange'];
}

const IDEMPOTENT_METHODS = ['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'TRACE'] as const;
const ALL_METHODS = [...IDEMPOTENT_METHODS, 'POST', 'PATCH'] as const;
const MAX_REDIRECTS = 10;
/** Credentials that are not secret: names and certificates may appear in messages. */
const NOT_SECRET: ReadonlySet<keyof ConnectionCredentials> = new Set([
  'username',
  'clientId',
  'proxyUsername',
  'caCert',
  'clientCert',
]);

export class RestClient {
  readonly baseUrl: URL;
  readonly redactor: SecretRedactor;
  readonly transport: Transport;
  readonly auth: AuthStrategy;
  private readonly connectionHeaders: Record<string, string>;
  private readonly cookieHeader: string;
  private readonly got: Got;
  private closed = false;

  private constructor(
    readonly props: ConnectionProperties,
    parts: { baseUrl: URL; redactor: SecretRedactor; transport: Transport; auth: AuthStrategy; got: Got },
  ) {
    this.baseUrl = parts.baseUrl;
    this.redactor = parts.redactor;
    this.transport = parts.transport;
    this.auth = parts.auth;
    this.got = parts.got;
    this.connectionHeaders = headersFromList(props.headers);
    this.cookieHeader = cookieHeaderFromList(props.cookies);
  }

  /** Validates the settings and builds the client; throws RestError ERR_CONFIG (or ERR_TLS) when they cannot work. */
  static async create(
    props: ConnectionProperties,
    credentials: ConnectionCredentials,
    options: ClientOptions = {},
  ): Promise<RestClient> {
    const redactor = new SecretRedactor();
    redactor.add(...secretValues(credentials));
    const baseUrl = parseBaseUrl(props.baseUrl);
    validateLimits(props);
    const warn = options.warn ?? (() => {});
    const transport = new Transport({ ...props, ...credentials }, { env: options.env, warn, baseUrl: props.baseUrl });
    redactor.add(...transport.secrets());
    try {
      const auth = createAuthStrategy(props, credentials, {
        connectionId: options.connectionId ?? 'default',
        transport,
        redactor,
        warn,
        tokenStore: options.tokenStore,
        onStateChange: options.onStateChange,
      });
      const { got } = await loadGot();
      // Used through got.stream (./fetch-response.ts), which reads each body into one buffer.
      const instance = got.extend({
        followRedirect: true,
        maxRedirects: MAX_REDIRECTS,
        timeout: { request: props.timeout },
        retry: {
          limit: props.retries,
          methods: [...(props.retryNonIdempotent ? ALL_METHODS : IDEMPOTENT_METHODS)],
          statusCodes: [...RETRYABLE_STATUS_CODES],
          calculateDelay: computeRetryDelay,
          maxRetryAfter: MAX_RETRY_AFTER_MS,
        },
      });
      return new RestClient(props, { baseUrl, redactor, transport, auth, got: instance });
    } catch (err) {
      transport.destroy();
      throw err;
    }
  }

  async request(spec: RequestSpec): Promise<RestResponse> {
    if (this.closed) throw new RestError('ERR_CONFIG', 'The connection was closed (redeployed); try again.');
    // The base URL of this request: the connection's, or its path on the OAuth2 instance URL,
    // whose origin the same-origin rule then binds the credentials to.
    const base = (await this.auth.requestBase?.(this.baseUrl)) ?? this.baseUrl;
    const url = spec.link
      ? resolveLink(spec.link.href, spec.link.base, base)
      : resolveRequestUrl(base, spec.path ?? '');
    mergeQuery(url, this.props.queryParams, spec.query);
    const sent: OutgoingRequest = { url: new URL(url.href), headers: {} };
    let response = await this.send(spec, sent, base.origin);
    if (this.auth.renew && needsRenewal(response.statusCode)) {
      const renewed = await this.auth.renew({
        statusCode: response.statusCode,
        body: response.body.toString('utf8', 0, 2048),
        request: sent,
      });
      if (renewed) response = await this.send(spec, { url: new URL(url.href), headers: {} }, base.origin);
    }
    // A plain-HTTP request the proxy forwards sees the proxy's 407 as an ordinary response:
    // sent once more when a Digest nonce went stale, else ERR_PROXY naming the scheme it asked for.
    if (response.statusCode === 407 && this.transport.renewProxyAuth(url, response.headers['proxy-authenticate'])) {
      response = await this.send(spec, { url: new URL(url.href), headers: {} }, base.origin);
    }
    if (response.statusCode === 407) {
      throw mapRequestError(
        this.transport.proxyRefusal(url, response.headers['proxy-authenticate']),
        this.errorContext(url),
      );
    }
    if (response.statusCode >= 300) throw this.statusError(spec.method, response);
    return response;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.auth.close?.();
    } finally {
      this.transport.destroy();
    }
  }

  /**
   * A URL for messages: the values of query parameters that carry credentials (an API key) are
   * masked by name, and any registered secret left in it is redacted.
   */
  safeUrl(url: URL | string): string {
    if (this.auth.credentialQueryParams.length === 0) return this.redactor.redact(String(url));
    let shown: URL;
    try {
      shown = new URL(String(url));
    } catch {
      return this.redactor.redact(String(url));
    }
    for (const name of this.auth.credentialQueryParams) {
      if (shown.searchParams.has(name)) shown.searchParams.set(name, REDACTED);
    }
    return this.redactor.redact(shown.href.split(encodeURIComponent(REDACTED)).join(REDACTED));
  }

  /**
   * Makes one request (got retries transient failures inside it) with fresh auth. `outgoing` is
   * filled with what was sent, so a rejection can tell which credentials were refused.
   */
  private async send(spec: RequestSpec, outgoing: OutgoingRequest, origin: string): Promise<RestResponse> {
    const { url } = outgoing;
    const headers = requestHeaders(this.connectionHeaders, spec.headers, this.cookieHeader);
    outgoing.headers = headers;
    await this.auth.apply(outgoing);
    const options: GotOptionsInit & { headers: Record<string, string> } = {
      method: spec.method,
      headers,
      agent: this.transport.agentsFor(url),
      hooks: { beforeRedirect: [(redirected) => this.stripCredentialsOnRedirect(redirected, origin)] },
    };
    if (spec.body && carriesBody(spec.method, spec.body.type, spec.body.payload)) {
      const encoded = encodeBody(spec.body.type, spec.body.payload);
      options.body = encoded.body;
      headers['content-type'] ||= encoded.contentType;
    }
    const limit = this.props.maxResponseBytes;
    const shownUrl = (address: URL | string) => this.safeUrl(address);
    const tooLarge = (response?: { statusCode: number; headers: RestResponse['headers'] }) =>
      new RestError(
        'ERR_RESPONSE_TOO_LARGE',
        `The response from ${this.safeUrl(url)} is larger than maxResponseBytes (${limit} bytes); reading stopped. Raise the limit on the connection, or ask the API for less (paging, filters).`,
        response ? shownResponseDetails({ ...response, url }, this.redactor, shownUrl) : {},
      );
    let raw: RawResponse;
    try {
      raw = await fetchResponse(this.got, url, options, { maxBytes: limit, tooLarge });
    } catch (err) {
      throw mapRequestError(err, this.errorContext(url));
    }
    return new BufferedResponse(raw, this.redactor, shownUrl);
  }

  /** On a redirect to another origin, nothing that identifies the user goes along. */
  private stripCredentialsOnRedirect(redirected: GotNormalizedOptions, origin: string): void {
    const next = redirected.url instanceof URL ? redirected.url : new URL(String(redirected.url));
    redirected.agent = this.transport.agentsFor(next);
    if (next.origin === origin) return;
    const headers = redirected.headers as Record<string, unknown>;
    for (const name of ['authorization', 'cookie', 'proxy-authorization', ...this.auth.credentialHeaders]) {
      delete headers[name.toLowerCase()];
    }
    for (const name of this.auth.credentialQueryParams) next.searchParams.delete(name);
    redirected.url = next;
  }

  /** A status outside 2xx; a 3xx here is a redirect got did not follow. */
  private statusError(method: string, response: RestResponse): RestError {
    const reason = response.statusCode < 400 ? ' (redirect not followed)' : '';
    const details = shownResponseDetails(response, this.redactor, (address) => this.safeUrl(address));
    return new RestError(
      'ERR_HTTP_STATUS',
      `${method} ${details.responseUrl} answered HTTP ${response.statusCode}${reason}.`,
      details,
    );
  }

  private errorContext(url: URL): RequestErrorContext {
    return { url: this.safeUrl(url), timeout: this.props.timeout, redactor: this.redactor };
  }
}

function needsRenewal(statusCode: number): boolean {
  return statusCode === 401 || statusCode === 403;
}

/** The connection settings that are numbers with a range. */
type LimitSetting = 'timeout' | 'retries' | 'maxResponseBytes';

function validateLimits(props: ConnectionProperties): void {
  const checks: [LimitSetting, number, number][] = [
    ['timeout', 1, 24 * 3600 * 1000],
    ['retries', 0, 10],
    ['maxResponseBytes', 0, Number.MAX_SAFE_INTEGER],
  ];
  for (const [name, min, max] of checks) {
    const value = props[name];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
      throw new RestError(
        'ERR_CONFIG',
        `Connection setting ${name} must be a number from ${min} to ${max}, not "${String(value)}".`,
      );
    }
  }
}

function secretValues(credentials: ConnectionCredentials): string[] {
  return Object.entries(credentials)
    .filter(([name]) => !NOT_SECRET.has(name as keyof ConnectionCredentials))
    .map(([, value]) => value as unknown)
    .filter((value): value is string => typeof value === 'string');
}
