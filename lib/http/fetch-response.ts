/**
 * Reads one response with got's stream API into a single Buffer. got's promise API gathers a
 * body as a list of chunks and then concatenates them, so a large body exists twice at once;
 * here the bytes are copied once into a buffer sized from content-length (doubled when the
 * length is unknown), and reading stops, with the socket destroyed, as soon as the body passes
 * maxResponseBytes. got still does everything else: retries (its 'retry' event), redirects and
 * their hooks, timeouts, decompression.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { ClientRequest } from 'node:http';
import type { Readable } from 'node:stream';
import type * as GotModule from 'got' with { 'resolution-mode': 'import' };
import { BodyBuffer } from './body-buffer';

type GotRequest = GotModule.Request;

export interface RawResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  /** The final URL, after redirects. */
  url: string;
  body: Buffer;
  /**
   * With `streamBody`, a 2xx body is not read here: `body` is empty and this is the stream to
   * read it from (as it arrives, with backpressure). Other statuses are read into `body` as usual.
   */
  stream?: Readable;
}

export interface ReadLimits {
  /** The most bytes a body may have (after decompression); 0 = no limit. */
  maxBytes: number;
  /** The error for a body over the limit; gets the response when its status and headers are known. */
  tooLarge: (response?: { statusCode: number; headers: Record<string, string | string[] | undefined> }) => Error;
  /**
   * Aborted when the connection closes: the request (or the retry it waits for) is destroyed
   * with its socket at once and rejects with `closed()`; no retry starts after that.
   */
  signal?: AbortSignal;
  closed?: () => Error;
}

const REDIRECT_CODES = new Set([300, 301, 302, 303, 304, 307, 308]);

/**
 * Makes the request (`got` with the connection's defaults) and resolves with the final response
 * of any status: a status that got does not retry, or the last retry's, is an answer, not an
 * error. Network errors and timeouts reject with got's error, for the caller to map.
 */
export function fetchResponse(
  got: GotModule.Got,
  url: URL,
  options: GotModule.OptionsInit,
  limits: ReadLimits,
  /** Runs before each retry (after got's delay); the retry starts when it resolves (the connection's limits). */
  beforeRetry?: () => Promise<void>,
  streamBody = false,
): Promise<RawResponse> {
  return new Promise<RawResponse>((resolve, reject) => {
    const { signal } = limits;
    const closedError = () => limits.closed?.() ?? new Error('The connection was closed');
    if (signal?.aborted) {
      reject(closedError());
      return;
    }
    let settled = false;
    let current: GotRequest | undefined;
    const onAbort = () => fail(closedError());
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      current?.destroy();
      reject(err);
    };
    const succeed = (response: RawResponse) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      resolve(response);
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    // Errors are statuses got may retry: got retries them only when it throws them.
    const streamOptions = { ...options, throwHttpErrors: true };
    const mustEnd = options.body === undefined && options.method !== 'GET' && options.method !== 'HEAD';
    const attempt = (request: GotRequest) => {
      current = request;
      let body: BodyBuffer | undefined;
      let answer: GotModule.PlainResponse | undefined;
      request.on('request', (clientRequest: ClientRequest) => boundErrorBody(request, clientRequest, limits, fail));
      request.once('response', (response: GotModule.PlainResponse) => {
        const declared = declaredLength(response.headers);
        if (limits.maxBytes > 0 && declared !== undefined && declared > limits.maxBytes) {
          fail(limits.tooLarge(response));
          return;
        }
        answer = response;
        if (streamBody && response.statusCode < 300) {
          const { statusCode, headers, url: finalUrl } = response;
          succeed({ statusCode, headers, url: finalUrl, body: Buffer.alloc(0), stream: request });
          return;
        }
        // A compressed body's content-length is that of the compressed bytes: a first size only.
        body = new BodyBuffer(declared, limits.maxBytes);
        // Attached only now, so a streamed body stays paused until its reader asks for it.
        request.on('data', (chunk: Buffer) => {
          if (settled || !body) return;
          if (!body.append(chunk)) fail(limits.tooLarge(answer));
        });
      });
      request.once('end', () => {
        if (!answer || !body) return;
        succeed({ statusCode: answer.statusCode, headers: answer.headers, url: answer.url, body: body.toBuffer() });
      });
      // `on`, not `once`: a late error of a settled request must not crash the process.
      request.on('error', (err: Error) => {
        const response = httpErrorResponse(err);
        if (response) succeed(response);
        else fail(err);
      });
      request.once('retry', (_count: number, _err: Error, createRetryStream: () => GotRequest) => {
        if (settled || signal?.aborted) return;
        if (!beforeRetry) return attempt(createRetryStream());
        beforeRetry().then(() => {
          if (!settled && !signal?.aborted) attempt(createRetryStream());
        }, fail);
      });
      if (mustEnd) request.end();
    };
    attempt(got.stream(url, streamOptions as GotModule.OptionsInit & { isStream?: true }));
  });
}

function declaredLength(headers: IncomingHttpHeaders): number | undefined {
  const length = Number(headers['content-length']);
  return headers['content-length'] !== undefined && Number.isSafeInteger(length) && length >= 0 ? length : undefined;
}

/** The answer inside got's HTTPError (a status got did not retry, or no longer), or undefined. */
function httpErrorResponse(err: Error): RawResponse | undefined {
  const { response } = err as Error & { response?: GotModule.Response };
  if (err.name !== 'HTTPError' || !response) return undefined;
  const body = response.rawBody ?? Buffer.alloc(0);
  return { statusCode: response.statusCode, headers: response.headers, url: response.url, body };
}

/**
 * got reads the body of an error status itself (for the error, before deciding on a retry),
 * without a limit. Counting what it reads keeps maxResponseBytes for those bodies too.
 */
function boundErrorBody(
  request: GotRequest,
  clientRequest: ClientRequest,
  limits: ReadLimits,
  fail: (err: Error) => void,
): void {
  if (limits.maxBytes <= 0) return;
  clientRequest.once('response', (native: IncomingMessage) => {
    const status = native.statusCode ?? 0;
    if (status >= 200 && status < 300) return;
    if (REDIRECT_CODES.has(status) && native.headers.location) return;
    const declared = declaredLength(native.headers);
    if (declared !== undefined && declared > limits.maxBytes) {
      fail(limits.tooLarge());
      return;
    }
    // got has set `request.response` (decompressed when encoded) and is reading it by now; a
    // stream that is neither flowing nor read yet would be started by a 'data' listener: skip it.
    const stream: Readable = request.response?.readable ? request.response : native;
    if (stream.readableFlowing === null) return;
    let seen = 0;
    stream.on('data', (chunk: Buffer | string) => {
      seen += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
      if (seen > limits.maxBytes) fail(limits.tooLarge());
    });
  });
}
