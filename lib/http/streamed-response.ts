/**
 * A 2xx response whose body is read as it arrives (the grid node's `split`), instead of into one
 * buffer: its chunks come with backpressure, maxResponseBytes counts the bytes read so far, and a
 * failure part-way (reset, timeout, limit) is a RestError like any other request error.
 */
import type { Readable } from 'node:stream';
import { RestError, type ResponseDetails } from '../errors';
import type { SecretRedactor } from '../redact';
import type { RawResponse } from './fetch-response';
import { shownResponseDetails, type ShownUrl } from './rest-response';

/** Bytes kept from the start of the body for error excerpts: redacted whole, then cut to 1 KB. */
const HEAD_BYTES = 8 * 1024;

export interface StreamReadContext {
  redactor: SecretRedactor;
  shownUrl: ShownUrl;
  maxBytes: number;
  tooLarge: () => RestError;
  /** Maps a stream error (reset, timeout) to a RestError. */
  mapError: (err: unknown) => RestError;
}

export class StreamedResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string | string[] | undefined>;
  /** The final URL, after redirects, as received. */
  readonly url: string;
  private head = Buffer.alloc(0);
  private bytes = 0;
  private readonly stream: Readable;

  constructor(
    raw: RawResponse & { stream: Readable },
    private readonly context: StreamReadContext,
  ) {
    this.statusCode = raw.statusCode;
    this.headers = raw.headers;
    this.url = raw.url;
    this.stream = raw.stream;
  }

  /** Bytes of the body read so far (after decompression). */
  get bytesRead(): number {
    return this.bytes;
  }

  /** The start of the body read so far: what an error shows of it. */
  get body(): Buffer {
    return this.head;
  }

  /** The body's chunks as they arrive. Leaving the loop early stops the download and frees the socket. */
  async *chunks(): AsyncGenerator<Buffer> {
    const { maxBytes } = this.context;
    let done = false;
    try {
      for await (const chunk of this.stream as AsyncIterable<Buffer>) {
        this.bytes += chunk.length;
        if (maxBytes > 0 && this.bytes > maxBytes) throw this.context.tooLarge();
        if (this.head.length < HEAD_BYTES) {
          this.head = Buffer.concat([this.head, chunk.subarray(0, HEAD_BYTES - this.head.length)]);
        }
        yield chunk;
      }
      done = true;
    } catch (err) {
      if (err instanceof RestError) throw err;
      throw this.cutOff(err);
    } finally {
      if (!done) this.stream.destroy();
    }
  }

  /** Status, headers, URL and the start of the body, secrets redacted, for an error about this response. */
  details(): ResponseDetails {
    return shownResponseDetails(this, this.context.redactor, this.context.shownUrl);
  }

  /** ERR_NOT_JSON for a body found not to be JSON part-way through. */
  notJson(why: string): RestError {
    const details = this.details();
    return new RestError(
      'ERR_NOT_JSON',
      `The response from ${details.responseUrl} is not JSON: ${why} (after ${this.bytes} bytes); its start is in msg.responseBody.`,
      details,
    );
  }

  private cutOff(err: unknown): RestError {
    const premature = (err as { code?: string }).code === 'ERR_STREAM_PREMATURE_CLOSE';
    const mapped = premature
      ? new RestError(
          'ERR_NETWORK',
          `The response from ${this.context.shownUrl(this.url)} was cut off after ${this.bytes} bytes (the connection closed).`,
        )
      : this.context.mapError(err);
    const details = this.details();
    return new RestError(mapped.code, mapped.message, { ...details, cause: err });
  }
}
