/**
 * A response as the client hands it out: read into one buffer, its body parsed at most once,
 * when first asked for (paging and the nodes may both ask), and its decoded text not kept.
 */
import { isAscii } from 'node:buffer';
import { RestError, bodyExcerpt, type ResponseDetails } from '../errors';
import type { SecretRedactor } from '../redact';
import type { RawResponse } from './fetch-response';

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

/** A URL as a message may show it: credentials masked and redacted (the client's `safeUrl`). */
export type ShownUrl = (url: URL | string) => string;

/**
 * What an error carries of a response: its status, headers, the start of its body and its URL,
 * with every secret redacted.
 */
export function shownResponseDetails(
  response: { statusCode: number; headers: RestResponse['headers']; url: URL | string; body?: Buffer },
  redactor: SecretRedactor,
  shownUrl: ShownUrl,
): ResponseDetails {
  return {
    statusCode: response.statusCode,
    headers: redactor.redactDeep(response.headers),
    responseBody: bodyExcerpt(response.body, redactor),
    responseUrl: shownUrl(response.url),
  };
}

export class BufferedResponse implements RestResponse {
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
    private readonly shownUrl: ShownUrl,
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
        this.parsed = { value: JSON.parse(withoutBom(text ?? decode(this.body))) };
      } catch {
        // Neither JSON.parse's message nor the SyntaxError goes along: both quote the body, where a
        // secret cut in half could not be recognised. The (redacted) start of the body is on the error.
        this.parsed = { error: this.notJson() };
      }
    }
    if ('error' in this.parsed) throw this.parsed.error;
    return this.parsed.value;
  }

  private notJson(): RestError {
    const contentType = this.headers['content-type'] ?? 'no content type';
    const details = shownResponseDetails(this, this.redactor, this.shownUrl);
    return new RestError(
      'ERR_NOT_JSON',
      `The response from ${details.responseUrl} is not JSON (${String(contentType)}); its start is in msg.responseBody.`,
      details,
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

/** RFC 8259 §8.1: a parser may ignore a byte order mark, and some Windows servers send one. */
function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
