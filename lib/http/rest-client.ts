/**
 * The HTTP client of one connection: one got instance with the connection's keep-alive
 * agents, created once and shared by every node that uses the connection. A request goes
 * through URL resolution (same origin only), headers and query merged over the connection's,
 * body encoding, auth, one renewal after a 401, got's retries and redirects, the size limit and
 * error classification; what comes back is a RestResponse or a RestError. Every attempt (first
 * try, each retry, the retry after a 401 renewal) waits for its turn under the connection's
 * limits (maxConcurrent, rateLimit: lib/limits/); token requests do not.
 */
import { setMaxListeners } from 'node:events';
import { createAuthStrategy } from '../auth/create-auth-strategy';
import type { AuthContext } from '../auth/auth-context';
import type { AuthStrategy, OutgoingRequest } from '../auth/strategy';
import { RestError } from '../errors';
import type { Permit, RequestLimiter } from '../limits/request-limiter';
import { REDACTED, SecretRedactor } from '../redact';
import { openConnectionState, type SharedConnectionState } from '../shared-store/connection-state';
import type { StoreWarn } from '../shared-store/redis-connection';
import type { StoreSettings } from '../shared-store/store-settings';
import { Transport } from '../transport';
import type { BodyType, ConnectionCredentials, ConnectionProperties, HttpMethod } from '../types';
import { mapRequestError, type RequestErrorContext } from './classify-error';
import { clientCertificateRefusal } from './client-certificate-refusal';
import { computeRetryDelay, MAX_RETRY_AFTER_MS, RETRYABLE_STATUS_CODES } from './compute-retry-delay';
import { carriesBody, encodeBody } from './encode-body';
import { fetchResponse, type RawResponse } from './fetch-response';
import { loadGot, type Got, type GotNormalizedOptions, type GotOptionsInit } from './load-got';
import { mergeQuery, type QueryValue } from './merge-query';
import { cookieHeaderFromList, headersFromList, requestHeaders, type HeaderValues } from './request-headers';
import { parseBaseUrl, resolveLink, resolveRequestUrl } from './resolve-url';
import { BufferedResponse, shownResponseDetails, type RestResponse } from './rest-response';
import { StreamedResponse } from './streamed-response';

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
  /** `event`: the shared store (Redis) went away or came back, for a status the user sees. */
  warn?: StoreWarn;
  env?: NodeJS.ProcessEnv;
  tokenStore?: AuthContext['tokenStore'];
  onStateChange?: AuthContext['onStateChange'];
  /** settings.js `restConnection.store`: where tokens and limits shared by several instances live (default: here). */
  store?: StoreSettings;
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
  /** The connection's request queue: its `waiting` count is what the nodes show ("12 waiting"). */
  readonly limiter: RequestLimiter;
  private readonly state: SharedConnectionState;
  private readonly connectionHeaders: Record<string, string>;
  private readonly cookieHeader: string;
  private readonly got: Got;
  /** Aborted by close(): requests in flight end at once, and none is retried. */
  private readonly closing: AbortController;
  private closed = false;

  private constructor(
    readonly props: ConnectionProperties,
    parts: {
      baseUrl: URL;
      redactor: SecretRedactor;
      transport: Transport;
      auth: AuthStrategy;
      got: Got;
      closing: AbortController;
      state: SharedConnectionState;
    },
  ) {
    this.state = parts.state;
    this.limiter = parts.state.limiter;
    this.baseUrl = parts.baseUrl;
    this.redactor = parts.redactor;
    this.transport = parts.transport;
    this.auth = parts.auth;
    this.got = parts.got;
    this.closing = parts.closing;
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
    const connectionId = options.connectionId ?? 'default';
    // Before the transport: wrong limits, or Redis configured without the redis package, are ERR_CONFIG.
    const state = await openConnectionState(options.store ?? { type: 'local' }, {
      connectionId,
      limits: { maxConcurrent: props.maxConcurrent, rateLimit: props.rateLimit, maxQueued: props.maxQueued },
      secret: options.tokenStore?.secret,
      directory: options.tokenStore?.directory,
      warn,
    });
    let transport: Transport | undefined;
    try {
      transport = new Transport({ ...props, ...credentials }, { env: options.env, warn, baseUrl: props.baseUrl });
      redactor.add(...transport.secrets());
      const auth = createAuthStrategy(props, credentials, {
        connectionId,
        transport,
        // Only a shared store changes how tokens are kept; the local one is the durable file store as before.
        sharedTokens: state.kind === 'redis' ? () => state.tokens : undefined,
        redactor,
        warn,
        tokenStore: options.tokenStore,
        onStateChange: options.onStateChange,
      });
      const { got } = await loadGot();
      const closing = new AbortController();
      // Every request in flight listens to it: many at once is no leak.
      setMaxListeners(0, closing.signal);
      // Used through got.stream (./fetch-response.ts), which reads each body into one buffer.
      const instance = got.extend({
        followRedirect: true,
        maxRedirects: MAX_REDIRECTS,
        timeout: { request: props.timeout },
        retry: {
          limit: props.retries,
          methods: [...(props.retryNonIdempotent ? ALL_METHODS : IDEMPOTENT_METHODS)],
          statusCodes: [...RETRYABLE_STATUS_CODES],
          // A retry got decided on before close() must not start after it.
          calculateDelay: (retry) => (closing.signal.aborted ? 0 : computeRetryDelay(retry)),
          maxRetryAfter: MAX_RETRY_AFTER_MS,
        },
      });
      return new RestClient(props, { baseUrl, redactor, transport, auth, got: instance, closing, state });
    } catch (err) {
      transport?.destroy();
      await state.close();
      throw err;
    }
  }

  async request(spec: RequestSpec): Promise<RestResponse> {
    return (await this.exchange(spec, false)) as RestResponse;
  }

  /**
   * Like `request`, but a 2xx body is not read: the answer streams it (`chunks()`), counting
   * maxResponseBytes as it goes. Other statuses are read and handled as by `request`.
   */
  async requestStream(spec: RequestSpec): Promise<StreamedResponse> {
    const response = await this.exchange(spec, true);
    if (response instanceof StreamedResponse) return response;
    // A 2xx that was read already (there is none today): the stream is its buffer.
    throw new RestError('ERR_CONFIG', `Unexpected buffered answer ${response.statusCode} to a streamed request.`);
  }

  private async exchange(spec: RequestSpec, streamBody: boolean): Promise<RestResponse | StreamedResponse> {
    if (this.closed) throw new RestError('ERR_CONFIG', 'The connection was closed (redeployed); try again.');
    // The base URL of this request: the connection's, or its path on the OAuth2 instance URL,
    // whose origin the same-origin rule then binds the credentials to.
    const base = (await this.auth.requestBase?.(this.baseUrl)) ?? this.baseUrl;
    const url = spec.link
      ? resolveLink(spec.link.href, spec.link.base, base)
      : resolveRequestUrl(base, spec.path ?? '');
    mergeQuery(url, this.props.queryParams, spec.query);
    const sent: OutgoingRequest = { url: new URL(url.href), headers: {}, method: spec.method };
    let response: RestResponse | StreamedResponse;
    try {
      response = await this.send(spec, sent, streamBody, base.origin);
      if (this.auth.renew && response instanceof BufferedResponse && needsRenewal(response.statusCode)) {
        const renewed = await this.auth.renew({
          statusCode: response.statusCode,
          body: response.body.toString('utf8', 0, 2048),
          request: sent,
          headers: response.headers,
        });
        if (renewed) {
          const again: OutgoingRequest = { url: new URL(url.href), headers: {}, method: spec.method };
          response = await this.send(spec, again, streamBody, base.origin);
        }
      }
    } finally {
      this.auth.settled?.(sent);
    }
    // A plain-HTTP request the proxy forwards sees the proxy's 407 as an ordinary response:
    // sent once more when a Digest nonce went stale, else ERR_PROXY naming the scheme it asked for.
    if (response.statusCode === 407 && this.transport.renewProxyAuth(url, response.headers['proxy-authenticate'])) {
      response = await this.send(
        spec,
        { url: new URL(url.href), headers: {}, method: spec.method },
        streamBody,
        base.origin,
      );
    }
    if (response.statusCode === 407) {
      throw mapRequestError(
        this.transport.proxyRefusal(url, response.headers['proxy-authenticate']),
        this.errorContext(url),
      );
    }
    if (response instanceof BufferedResponse && response.statusCode >= 300) {
      throw this.statusError(spec.method, response);
    }
    return response;
  }

  /**
   * Ends every request in flight (ERR_CONFIG, "closed while in flight"), starts no retry, and
   * destroys the agents: no socket to the API stays open after this.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.closing.abort();
    // Waiting requests fail at once with a clear error (never dropped); a token request in flight is finished and stored first.
    this.limiter.close();
    try {
      await this.auth.close?.();
    } finally {
      this.transport.destroy();
      await this.state.close();
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
  private async send(
    spec: RequestSpec,
    outgoing: OutgoingRequest,
    streamBody: boolean,
    origin: string,
  ): Promise<RestResponse | StreamedResponse> {
    const headers = requestHeaders(this.connectionHeaders, spec.headers, this.cookieHeader);
    outgoing.headers = headers;
    let permit: Permit = await this.limiter.acquire();
    try {
      return await this.sendWithPermit(
        spec,
        outgoing,
        headers,
        async () => {
          // A retry goes to the back of the queue, as any request would.
          permit.release();
          permit = await this.limiter.acquire();
        },
        streamBody,
        origin,
      );
    } finally {
      permit.release();
    }
  }

  private async sendWithPermit(
    spec: RequestSpec,
    outgoing: OutgoingRequest,
    headers: Record<string, string>,
    beforeRetry: () => Promise<void>,
    streamBody: boolean,
    origin: string,
  ): Promise<RestResponse | StreamedResponse> {
    const { url } = outgoing;
    // After the permit: a request that waited long gets a token that is fresh when it is sent.
    await this.auth.apply(outgoing);
    const options: GotOptionsInit & { headers: Record<string, string> } = {
      method: spec.method,
      headers,
      agent: this.transport.agentsFor(url),
      hooks: {
        beforeRedirect: [(redirected) => this.stripCredentialsOnRedirect(redirected, origin)],
        beforeRetry: [(error) => this.refreshCredentialsForRetry(outgoing, error.options.headers)],
      },
    };
    // A streamed body may take longer than `timeout` in all: the timeout then bounds the wait for
    // the answer and every pause in the data, not the whole download.
    if (streamBody) options.timeout = { request: undefined, response: this.props.timeout, socket: this.props.timeout };
    if (spec.body && carriesBody(spec.method, spec.body.type, spec.body.payload)) {
      const encoded = encodeBody(spec.body.type, spec.body.payload);
      options.body = encoded.body;
      if (encoded.contentLength === undefined) headers['content-type'] ||= encoded.contentType;
      else {
        headers['content-type'] = encoded.contentType;
        headers['content-length'] = String(encoded.contentLength);
      }
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
      raw = await fetchResponse(
        this.got,
        url,
        options,
        {
          maxBytes: limit,
          tooLarge,
          signal: this.closing.signal,
          closed: () =>
            new RestError(
              'ERR_CONFIG',
              `The connection was closed (redeployed or stopped) while the request to ${this.safeUrl(url)} was in flight: it was cancelled and not retried; try again.`,
            ),
        },
        beforeRetry,
        streamBody,
      );
    } catch (err) {
      throw mapRequestError(err, this.errorContext(url));
    }
    if (raw.stream) {
      const { stream } = raw;
      const shown = { statusCode: raw.statusCode, headers: raw.headers };
      return new StreamedResponse(
        { ...raw, stream },
        {
          redactor: this.redactor,
          shownUrl,
          maxBytes: limit,
          tooLarge: () => tooLarge(shown),
          mapError: (err) => mapRequestError(err, this.errorContext(url)),
        },
      );
    }
    return new BufferedResponse(raw, this.redactor, shownUrl);
  }

  /** A retry must not repeat credentials that count requests (a Digest server refuses a used `nc`). */
  private refreshCredentialsForRetry(outgoing: OutgoingRequest, sent: Record<string, unknown>): void {
    if (!this.auth.retrying) return;
    this.auth.retrying(outgoing);
    for (const name of this.auth.credentialHeaders) {
      const value = outgoing.headers[name];
      if (value !== undefined) sent[name] = value;
    }
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
    const certificate = clientCertificateRefusal(response.statusCode, response.body);
    const reason = response.statusCode < 400 ? ' (redirect not followed)' : certificate ? `: ${certificate}` : '';
    const details = shownResponseDetails(response, this.redactor, (address) => this.safeUrl(address));
    return new RestError(
      'ERR_HTTP_STATUS',
      `${method} ${details.responseUrl} answered HTTP ${response.statusCode}${reason}.`,
      details,
    );
  }

  private errorContext(url: URL): RequestErrorContext {
    return {
      url: this.safeUrl(url),
      timeout: this.props.timeout,
      redactor: this.redactor,
      tlsMinVersion: this.props.tlsMinVersion,
    };
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
