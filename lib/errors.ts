/**
 * One error class with the documented, stable codes. Every failure that leaves lib/ is a
 * RestError; its message is safe to show (no secret) and says what the user can do.
 *
 * Error texts that quote a response (the body excerpt, a value) are cut short, and every cut is
 * made here, AFTER redaction: a secret cut in two cannot be recognised, so cutting first would
 * leave its first characters in plain view.
 */
import type { SecretRedactor } from './redact';

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
/** Characters of a value an error message quotes: enough to recognise it. */
export const QUOTE_CHARS = 60;

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

/**
 * Text from a response that an error message quotes, e.g. a value that is not a number. The
 * message shows it as JSON cut to `maxChars`; `RestError.redact` redacts the whole text first
 * and cuts it again, so a secret across the cut does not leave its start behind.
 */
export class Quote {
  readonly text: string;

  constructor(
    value: unknown,
    readonly maxChars = QUOTE_CHARS,
  ) {
    this.text = quotable(value);
  }

  /** The text as shown before redaction. */
  toString(): string {
    return cutChars(this.text, this.maxChars);
  }

  redacted(redactor: SecretRedactor): string {
    return cutChars(redactor.redact(this.text), this.maxChars);
  }
}

/** A message with quotes, written as a template: quoting`the value ${new Quote(value)} is not a number`. */
export class QuotedMessage {
  constructor(readonly parts: readonly (string | Quote)[]) {}

  toString(): string {
    return this.parts.join('');
  }
}

export function quoting(strings: TemplateStringsArray, ...values: unknown[]): QuotedMessage {
  const parts = strings.flatMap((text, i): (string | Quote)[] => {
    if (i === values.length) return [text];
    const value = values[i];
    return [text, value instanceof Quote ? value : String(value)];
  });
  return new QuotedMessage(parts);
}

export class RestError extends Error {
  readonly code: ErrorCode;
  statusCode?: number;
  headers?: Record<string, string | string[] | undefined>;
  responseBody?: string;
  responseUrl?: string;
  page?: number;
  /** Kept until `redact`, which needs the quotes whole. Private: never copied onto a message or logged. */
  #quotedMessage?: QuotedMessage;

  constructor(code: ErrorCode, message: string | QuotedMessage, details: RestErrorDetails = {}) {
    super(String(message), details.cause === undefined ? undefined : { cause: details.cause });
    if (message instanceof QuotedMessage) this.#quotedMessage = message;
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

  /**
   * Masks every secret in what the error shows, the last step before a user sees it: the
   * message (quotes redacted whole, then cut), its stack, the body excerpt, URL and headers,
   * and a RestError it wraps (`cause`, which Node-RED puts on msg.error too), whose message a
   * wrapping one may repeat (e.g. "page 2: …").
   */
  redact(redactor: SecretRedactor): this {
    const shown = this.message;
    let message = this.#quotedMessage
      ? this.#quotedMessage.parts.map((part) => (part instanceof Quote ? part.redacted(redactor) : part)).join('')
      : shown;
    this.#quotedMessage = undefined;
    if (this.cause instanceof RestError) {
      const causeShown = this.cause.message;
      this.cause.redact(redactor);
      if (causeShown !== this.cause.message) message = message.split(causeShown).join(this.cause.message);
    }
    this.message = redactor.redact(message);
    // V8 writes the stack's first line from the message when the stack is first read: maybe
    // only now, maybe before (then it still holds the message as it was).
    const header = `${this.name}: ${shown}`;
    if (this.stack?.startsWith(header)) this.stack = `${this.name}: ${this.message}${this.stack.slice(header.length)}`;
    if (this.stack !== undefined) this.stack = redactor.redact(this.stack);
    if (this.responseBody !== undefined) this.responseBody = redactor.redact(this.responseBody);
    if (this.responseUrl !== undefined) this.responseUrl = redactor.redact(this.responseUrl);
    if (this.headers !== undefined) this.headers = redactor.redactDeep(this.headers);
    return this;
  }
}

export function isRestError(err: unknown): err is RestError {
  return err instanceof RestError;
}

/**
 * The start of a body for msg.responseBody: the whole body redacted, then cut to the documented
 * excerpt size on a character boundary.
 */
export function bodyExcerpt(body: Buffer | string | undefined, redactor: SecretRedactor): string | undefined {
  if (body === undefined) return undefined;
  const text = redactor.redact(typeof body === 'string' ? body : body.toString('utf8'));
  const buffer = Buffer.from(text);
  if (buffer.length <= RESPONSE_EXCERPT_BYTES) return text;
  return buffer
    .subarray(0, RESPONSE_EXCERPT_BYTES)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
}

function cutChars(text: string, maxChars: number): string {
  return text.length > maxChars ? `${text.slice(0, maxChars)}…` : text;
}

/** A value as JSON for a quote; one nested too deeply to stringify is named, not thrown. */
function quotable(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    // Too deep (RangeError) or a BigInt or cycle: a quote must never turn one failure into another.
    return Array.isArray(value) ? '[…]' : typeof value === 'object' && value !== null ? '{…}' : String(value);
  }
}
