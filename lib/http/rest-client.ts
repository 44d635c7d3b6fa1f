/**
 * The HTTP client of one connection: one got instance with the connection's keep-alive
 * agents, created once and shared by every node that uses the connection.
 */
import { isAscii } from 'node:buffer';
import { validateHeaderName, validateHeaderValue } from 'node:http';
import { loadGot, type Got, type GotNormalizedOptions, type GotOptionsInit } from './load-got';
import { createAuthStrategy, type AuthContext } from '../auth/create-auth-strategy';
import type { AuthStrategy, OutgoingRequest } from '../auth/strategy';
import { carriesBody, encodeBody } from './encode-body';
import { RestError, bodyExcerpt, type ErrorCode } from '../errors';
import { REDACTED, SecretRedactor } from '../redact';
import { fetchResponse, type RawResponse } from './fetch-response';
import { mapRequestError } from './classify-error';
import { computeRetryDelay, MAX_RETRY_AFTER_MS, RETRYABLE_STATUS_CODES } from './compute-retry-delay';
import { Transport } from '../transport';
import type { BodyType, ConnectionCredentials, ConnectionProperties, HttpMethod, NameValue } from '../types';
import { parseBaseUrl, resolveLink, resolveRequestUrl } from './resolve-url';

export type QueryValue = string | number | boolean | (string | number | boolean)[] | null | undefined;

export interface RequestSpec {
  method: HttpMethod;
  /** Appended to the base URL's path. */
  path?: string;
  /** A link (next page), resolved RFC 3986 against `base`, the URL of the page it came from. */
  link?: { href: string; base: string };
  /** Merged over the connection's queryParams. */
  query?: Record<string, QueryValue>;
  /** Merged over the connection's headers (names are case-insensitive). */
  headers?: Record<string, string | number | boolean | undefined>;
  body?: { type: BodyType; payload: unknown };
}

export interface RestResponse {
  statusCode: number;
  /** As received: pass them through the client's `redactor` / `safeUrl` before a user sees them. */
  headers: Record<string, string | string[] | undefined>;
  /** The final URL, after redirects, as received (paging resolves links against it). */
  url: string;
  body: Buffer;
  /** The body parsed as JSON; ERR_NOT_JSON when it is not JSON. */
  json(): unknown;
  /** JSON when the body is JSON, its text otherwise (a text/plain answer is a value too). */
  value(): unknown;
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
    const url = spec.link
      ? resolveLink(spec.link.href, spec.link.base, this.baseUrl)
      : resolveRequestUrl(this.baseUrl, spec.path ?? '');
    applyQuery(url, this.props.queryParams, spec.query);
    const sent: OutgoingRequest = { url: new URL(url.href), headers: {} };
    let response = await this.send(spec, sent);
    if (this.auth.renew && needsRenewal(response.statusCode)) {
      const renewed = await this.auth.renew({
        statusCode: response.statusCode,
        body: response.body.toString('utf8', 0, 2048),
        request: sent,
      });
      if (renewed) response = await this.send(spec, { url: new URL(url.href), headers: {} });
    }
    if (response.statusCode === 407) {
      // A plain-HTTP target behind a proxy sees the proxy's refusal as an ordinary response.
      const refused =
        this.transport.classifyError({ response }) ??
        new RestError('ERR_PROXY', 'The proxy refused the credentials (HTTP 407).');
      throw mapRequestError(refused, this.errorContext(url));
    }
    if (response.statusCode >= 400 || (response.statusCode >= 300 && response.statusCode < 400)) {
      throw this.statusError(spec.method, response);
    }
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

  /** Makes one request (got retries transient failures inside it) with fresh auth. */
  /** `outgoing` is filled with what was sent, so a rejection can tell which credentials were refused. */
  private async send(spec: RequestSpec, outgoing: OutgoingRequest): Promise<RestResponse> {
    const { url } = outgoing;
    const headers = this.buildHeaders(spec.headers);
    outgoing.headers = headers;
    await this.auth.apply(outgoing);
    const options: GotOptionsInit & { headers: Record<string, string> } = {
      method: spec.method,
      headers,
      agent: this.transport.agentsFor(url),
      hooks: { beforeRedirect: [(redirected) => this.stripCredentialsOnRedirect(redirected)] },
    };
    if (spec.body && carriesBody(spec.method, spec.body.type, spec.body.payload)) {
      const encoded = encodeBody(spec.body.type, spec.body.payload);
      options.body = encoded.body;
      if (!headers['content-type']) headers['content-type'] = encoded.contentType;
    }
    const limit = this.props.maxResponseBytes;
    const tooLarge = (response?: { statusCode: number; headers: RestResponse['headers'] }) =>
      new RestError(
        'ERR_RESPONSE_TOO_LARGE',
        `The response from ${this.safeUrl(url)} is larger than maxResponseBytes (${limit} bytes); reading stopped. Raise the limit on the connection, or ask the API for less (paging, filters).`,
        response
          ? {
              statusCode: response.statusCode,
              headers: this.redactor.redactDeep(response.headers),
              responseUrl: this.safeUrl(url),
            }
          : {},
      );
    let raw: RawResponse;
    try {
      raw = await fetchResponse(this.got, url, options, { maxBytes: limit, tooLarge });
    } catch (err) {
      throw mapRequestError(err, this.errorContext(url));
    }
    return new BufferedResponse(raw, this.redactor, (address) => this.safeUrl(address));
  }

  private buildHeaders(extra: RequestSpec['headers']): Record<string, string> {
    const headers: Record<string, string> = { ...this.connectionHeaders };
    for (const [name, value] of Object.entries(extra ?? {})) {
      if (value === undefined || value === null) continue;
      headers[name.toLowerCase()] = checkedHeader(name, String(value));
    }
    if (this.cookieHeader) {
      headers['cookie'] = headers['cookie'] ? `${headers['cookie']}; ${this.cookieHeader}` : this.cookieHeader;
    }
    return headers;
  }

  /** On a redirect to another origin, nothing that identifies the user goes along. */
  private stripCredentialsOnRedirect(redirected: GotNormalizedOptions): void {
    const next = redirected.url instanceof URL ? redirected.url : new URL(String(redirected.url));
    redirected.agent = this.transport.agentsFor(next);
    if (next.origin === this.baseUrl.origin) return;
    const headers = redirected.headers as Record<string, unknown>;
    for (const name of ['authorization', 'cookie', 'proxy-authorization', ...this.auth.credentialHeaders]) {
      delete headers[name.toLowerCase()];
    }
    for (const name of this.auth.credentialQueryParams) next.searchParams.delete(name);
    redirected.url = next;
  }

  private statusError(method: string, response: RestResponse): RestError {
    const reason = response.statusCode >= 300 && response.statusCode < 400 ? ' (redirect not followed)' : '';
    return new RestError(
      'ERR_HTTP_STATUS',
      `${method} ${this.safeUrl(response.url)} answered HTTP ${response.statusCode}${reason}.`,
      {
        statusCode: response.statusCode,
        headers: this.redactor.redactDeep(response.headers),
        responseBody: redactExcerpt(this.redactor, response.body),
        responseUrl: this.safeUrl(response.url),
      },
    );
  }

  private errorContext(url: URL) {
    return { url: this.safeUrl(url), timeout: this.props.timeout, transport: this.transport, redactor: this.redactor };
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
}

function redactExcerpt(redactor: SecretRedactor, body: Buffer): string | undefined {
  const excerpt = bodyExcerpt(body);
  return excerpt === undefined ? undefined : redactor.redact(excerpt);
}

function needsRenewal(statusCode: number): boolean {
  return statusCode === 401 || statusCode === 403;
}

/** A bare JSON scalar (`42`, `true`) is that value even without a JSON content type. */

/**
 * A response read into one buffer. The body is parsed at most once, when first asked for
 * (paging and the nodes may both ask), and its decoded text is not kept.
 */
class BufferedResponse implements RestResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly url: string;
  readonly body: Buffer;
  private parsed: { value: unknown } | { error: RestError } | undefined;

  /**
   * `url` and `headers` are as received (paging follows them); what goes on a message or into
   * an error passes `shownUrl` and the redactor.
   */
  constructor(
    raw: RawResponse,
    private readonly redactor: SecretRedactor,
    private readonly shownUrl: (url: string) => string,
  ) {
    this.statusCode = raw.statusCode;
    this.headers = raw.headers;
    this.url = raw.url;
    this.body = raw.body;
  }

  json(): unknown {
    return this.parse(undefined);
  }

  value(): unknown {
    if (this.parsed && 'value' in this.parsed) return this.parsed.value;
    const contentType = String(this.headers['content-type'] ?? '');
    if (/json/i.test(contentType)) return this.parse(undefined);
    const text = this.body.toString('utf8');
    // Without a content type, a body that is JSON counts as JSON; with a text content type only an
    // object or array does (APIs that mislabel JSON): a plain text answer is the value itself,
    // `01234` and `12345678901234567890` included.
    const looksLikeJson = contentType ? /^\s*[[{]/.test(text) : text.trim() !== '';
    if (looksLikeJson) {
      try {
        return this.parse(text);
      } catch {
        return text;
      }
    }
    return text;
  }

  /** The parsed body (from `text` when the caller decoded it already), or the ERR_NOT_JSON it gave. */
  private parse(text: string | undefined): unknown {
    if (!this.parsed) {
      try {
        this.parsed = { value: JSON.parse(text ?? decode(this.body)) };
      } catch (err) {
        this.parsed = { error: this.notJson(err) };
      }
    }
    if ('error' in this.parsed) throw this.parsed.error;
    return this.parsed.value;
  }

  private notJson(err: unknown): RestError {
    const contentType = this.headers['content-type'] ?? 'no content type';
    const shownUrl = this.shownUrl(this.url);
    // Neither JSON.parse's message nor the SyntaxError goes along: both quote the body, where a
    // secret cut in half could not be recognised. The (redacted) start of the body is on the error.
    void err;
    return new RestError(
      'ERR_NOT_JSON',
      `The response from ${shownUrl} is not JSON (${String(contentType)}); its start is in msg.responseBody.`,
      {
        statusCode: this.statusCode,
        headers: this.redactor.redactDeep(this.headers),
        responseBody: redactExcerpt(this.redactor, this.body),
        responseUrl: shownUrl,
      },
    );
  }
}

/**
 * The body as text for JSON.parse. An ASCII body (most JSON) is decoded as latin1, the same
 * characters, because Node.js keeps a large latin1 string outside the V8 heap, where it is
 * freed as soon as it is garbage instead of growing the heap until the next full collection.
 */
function decode(body: Buffer): string {
  return isAscii(body) ? body.toString('latin1') : body.toString('utf8');
}

function applyQuery(url: URL, connectionQuery: NameValue[], query: RequestSpec['query']): void {
  const merged = new Map<string, QueryValue>();
  for (const { name, value } of connectionQuery ?? []) if (name) merged.set(name, value);
  for (const [name, value] of Object.entries(query ?? {})) merged.set(name, value);
  for (const [name, value] of merged) {
    if (value === undefined || value === null) continue;
    url.searchParams.delete(name);
    if (Array.isArray(value)) for (const item of value) url.searchParams.append(name, String(item));
    else url.searchParams.set(name, String(value));
  }
}

function headersFromList(list: NameValue[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const { name, value } of list ?? [])
    if (name) headers[name.toLowerCase()] = checkedHeader(name, String(value ?? ''), 'ERR_CONFIG');
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
      `Header "${name.slice(0, 60)}" has a character HTTP does not allow in its name or value.`,
    );
  }
  return value;
}

function cookieHeaderFromList(list: NameValue[]): string {
  return (list ?? [])
    .filter(({ name }) => name)
    .map(({ name, value }) => `${name}=${value ?? ''}`)
    .join('; ');
}

function validateLimits(props: ConnectionProperties): void {
  const checks: [keyof ConnectionProperties, number, number][] = [
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
  const { username, clientId, proxyUsername, caCert, clientCert, ...secrets } = credentials;
  void username;
  void clientId;
  void proxyUsername;
  void caCert;
  void clientCert;
  return Object.values(secrets).filter((value): value is string => typeof value === 'string');
}
