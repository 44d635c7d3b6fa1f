/**
 * The HTTP client of one connection: one got instance with the connection's keep-alive
 * agents, created once and shared by every node that uses the connection.
 */
import { validateHeaderName, validateHeaderValue } from 'node:http';
import { loadGot, type Got, type GotNormalizedOptions, type GotOptionsInit, type GotResponse } from './got-loader';
import { createAuthStrategy, type AuthContext } from './auth';
import type { AuthStrategy, OutgoingRequest } from './auth/strategy';
import { carriesBody, encodeBody } from './body';
import { RestError, bodyExcerpt, type ErrorCode } from './errors';
import { SecretRedactor } from './redact';
import { mapRequestError } from './request-errors';
import { computeRetryDelay, MAX_RETRY_AFTER_MS, RETRYABLE_STATUS_CODES } from './retry';
import { Transport } from './transport';
import type { BodyType, ConnectionCredentials, ConnectionProperties, HttpMethod, NameValue } from './types';
import { parseBaseUrl, resolveLink, resolveRequestUrl } from './url';

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
  headers: Record<string, string | string[] | undefined>;
  /** The final URL, after redirects. */
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
      const instance = got.extend({
        throwHttpErrors: false,
        responseType: 'buffer',
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
      url,
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
    let tooLarge = false;
    const pending = this.got(
      options as GotOptionsInit & { isStream?: false; resolveBodyOnly?: false },
    ) as unknown as Promise<GotResponse<Buffer>> & {
      on: (event: string, listener: (arg: never) => void) => void;
      cancel: () => void;
    };
    if (limit > 0) {
      pending.on('response', (response: { headers: Record<string, string> }) => {
        if (Number(response.headers['content-length']) > limit) {
          tooLarge = true;
          pending.cancel();
        }
      });
      pending.on('downloadProgress', (progress: { transferred: number }) => {
        if (progress.transferred > limit && !tooLarge) {
          tooLarge = true;
          pending.cancel();
        }
      });
    }
    let response: GotResponse<Buffer>;
    try {
      response = await pending;
    } catch (err) {
      if (tooLarge) {
        throw new RestError(
          'ERR_RESPONSE_TOO_LARGE',
          `The response from ${this.safeUrl(url)} is larger than maxResponseBytes (${limit} bytes); reading stopped. Raise the limit on the connection, or ask the API for less (paging, filters).`,
        );
      }
      throw mapRequestError(err, this.errorContext(url));
    }
    return toRestResponse(response, this.redactor);
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
      `${method} ${this.safeUrl(new URL(response.url))} answered HTTP ${response.statusCode}${reason}.`,
      {
        statusCode: response.statusCode,
        headers: response.headers,
        responseBody: redactExcerpt(this.redactor, response.body),
        responseUrl: response.url,
      },
    );
  }

  private errorContext(url: URL) {
    return { url: this.safeUrl(url), timeout: this.props.timeout, transport: this.transport, redactor: this.redactor };
  }

  /** A URL for messages: without query values that may hold secrets (API keys). */
  safeUrl(url: URL): string {
    return this.redactor.redact(url.href);
  }
}

function redactExcerpt(redactor: SecretRedactor, body: Buffer): string | undefined {
  const excerpt = bodyExcerpt(body);
  return excerpt === undefined ? undefined : redactor.redact(excerpt);
}

function needsRenewal(statusCode: number): boolean {
  return statusCode === 401 || statusCode === 403;
}

function toRestResponse(response: GotResponse<Buffer>, redactor: SecretRedactor): RestResponse {
  const body = response.rawBody ?? Buffer.alloc(0);
  const url = response.url;
  const headers = response.headers as Record<string, string | string[] | undefined>;
  return {
    statusCode: response.statusCode,
    headers,
    url: redactor.redact(url),
    body,
    json() {
      return parseJson(body, { statusCode: response.statusCode, headers, url }, redactor);
    },
    value() {
      const text = body.toString('utf8');
      const contentType = String(headers['content-type'] ?? '');
      if (/json/i.test(contentType) || /^\s*[[{"]/.test(text)) {
        return parseJson(body, { statusCode: response.statusCode, headers, url }, redactor);
      }
      const trimmed = text.trim();
      // A bare JSON scalar without a JSON content type (e.g. `42`, `true`) is still that value.
      if (/^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)$/.test(trimmed)) return JSON.parse(trimmed);
      return text;
    },
  };
}

function parseJson(
  body: Buffer,
  context: { statusCode: number; headers: RestResponse['headers']; url: string },
  redactor: SecretRedactor,
): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    const contentType = context.headers['content-type'] ?? 'no content type';
    throw new RestError(
      'ERR_NOT_JSON',
      `The response from ${context.url} is not JSON (${String(contentType)}): ${(err as Error).message}.`,
      {
        statusCode: context.statusCode,
        headers: context.headers,
        responseBody: redactExcerpt(redactor, body),
        responseUrl: context.url,
        cause: err,
      },
    );
  }
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
