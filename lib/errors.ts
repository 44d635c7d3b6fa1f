/**
 * One error class with the documented, stable codes. Every failure that leaves lib/ is a
 * RestError; its message is safe to show (no secret) and says what the user can do.
 */

export type ErrorCode =
  | 'ERR_HTTP_STATUS'
  | 'ERR_TIMEOUT'
  | 'ERR_TLS'
  | 'ERR_PROXY'
  | 'ERR_AUTH'
  | 'ERR_JSONPATH'
  | 'ERR_VALUE'
  | 'ERR_CONFIG'
  | 'ERR_RESPONSE_TOO_LARGE'
  | 'ERR_NOT_JSON'
  | 'ERR_ORIGIN'
  /** maxQueued requests already wait for their turn (maxConcurrent / rateLimit): this one is refused at once. */
  | 'ERR_QUEUE_FULL'
  /** Connection refused, reset, DNS failure: the server could not be reached. */
  | 'ERR_NETWORK';

/** The start of a response body kept on an error: enough to diagnose, small enough to log. */
export const RESPONSE_EXCERPT_BYTES = 1024;

export interface ResponseDetails {
  statusCode?: number;
  headers?: Record<string, string | string[] | undefined>;
  /** Start of the body, at most RESPONSE_EXCERPT_BYTES. */
  responseBody?: string;
  responseUrl?: string;
}

export interface RestErrorDetails extends ResponseDetails {
  cause?: unknown;
  /** 1-based page number when the failure happened while paging. */
  page?: number;
}

export class RestError extends Error {
  readonly code: ErrorCode;
  statusCode?: number;
  headers?: Record<string, string | string[] | undefined>;
  responseBody?: string;
  responseUrl?: string;
  page?: number;

  constructor(code: ErrorCode, message: string, details: RestErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'RestError';
    this.code = code;
    this.statusCode = details.statusCode;
    this.headers = details.headers;
    this.responseBody = details.responseBody;
    this.responseUrl = details.responseUrl;
    this.page = details.page;
  }

  /** Node-RED shows `err.toString()` as msg.error.message and in the log: the message alone reads best. */
  override toString(): string {
    return this.message;
  }
}

export function isRestError(err: unknown): err is RestError {
  return err instanceof RestError;
}

/** Cuts a body to the documented excerpt size, on a character boundary. */
export function bodyExcerpt(body: Buffer | string | undefined): string | undefined {
  if (body === undefined) return undefined;
  const buffer = typeof body === 'string' ? Buffer.from(body) : body;
  if (buffer.length <= RESPONSE_EXCERPT_BYTES) return buffer.toString('utf8');
  return buffer
    .subarray(0, RESPONSE_EXCERPT_BYTES)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
}
