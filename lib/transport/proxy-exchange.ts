/**
 * One request/answer with a proxy on a raw connection, below Node's http client: a CONNECT, or
 * a probe that starts an authentication handshake. Node's client cannot serve here: it gives a
 * CONNECT's non-2xx answer without reading its body, so the connection cannot carry the next
 * step of a handshake (NTLM needs exactly that). The answer's body is read and dropped;
 * bytes after it stay in the socket for whoever uses the connection next.
 */
import type { Duplex } from 'node:stream';

/** A proxy's answer is a status page at most: anything bigger is not a proxy talking. */
const MAX_ANSWER_BYTES = 1024 * 1024;

export interface ProxyAnswer {
  statusCode: number;
  /** Lower-case names; every value of a repeated header, in order. */
  headers: Record<string, string[]>;
  /** The connection can carry another request. */
  reusable: boolean;
}

export interface ExchangeOptions {
  /** The answer has no body whatever its headers say (HEAD, or a 2xx to CONNECT). */
  bodiless: (statusCode: number) => boolean;
  /** Milliseconds of silence before the exchange fails with "Proxy timeout"; 0: none. */
  timeout: number;
}

/** Thrown when the proxy's answer is not HTTP or too big; `code` makes it read like a broken connection. */
export class ProxyProtocolError extends Error {
  override name = 'ProxyProtocolError';
  readonly code = 'ECONNRESET';
}

/** Writes `head` (a request head ending in an empty line) and reads the answer to it. */
export function exchange(socket: Duplex, head: string, options: ExchangeOptions): Promise<ProxyAnswer> {
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = (err: Error | null, answer?: ProxyAnswer, rest?: Buffer) => {
      if (settled) return;
      settled = true;
      socket.off('readable', onReadable);
      socket.off('error', onError);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('timeout', onTimeout);
      if (options.timeout > 0 && 'setTimeout' in socket) (socket as { setTimeout(ms: number): void }).setTimeout(0);
      if (err) {
        reject(err);
        return;
      }
      if (rest?.length) socket.unshift(rest);
      resolve(answer as ProxyAnswer);
    };
    const onReadable = () => {
      for (let chunk = socket.read() as Buffer | null; chunk !== null; chunk = socket.read() as Buffer | null) {
        received = Buffer.concat([received, chunk]);
        if (received.length > MAX_ANSWER_BYTES) {
          finish(new ProxyProtocolError('The proxy sent an answer larger than 1 MB'));
          return;
        }
      }
      try {
        const parsed = parseAnswer(received, options.bodiless, false);
        if (parsed) finish(null, parsed.answer, received.subarray(parsed.end));
      } catch (err) {
        finish(err as Error);
      }
    };
    const onError = (err: Error) => finish(err);
    const onEnd = () => {
      let parsed: ReturnType<typeof parseAnswer>;
      try {
        parsed = parseAnswer(received, options.bodiless, true);
      } catch (err) {
        finish(err as Error);
        return;
      }
      if (parsed) finish(null, { ...parsed.answer, reusable: false });
      else finish(new ProxyProtocolError('The proxy closed the connection before it answered'));
    };
    const onTimeout = () => socket.destroy(new Error('Proxy timeout'));
    socket.on('readable', onReadable);
    socket.on('error', onError);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    if (options.timeout > 0 && 'setTimeout' in socket) {
      (socket as { setTimeout(ms: number): void }).setTimeout(options.timeout);
      socket.on('timeout', onTimeout);
    }
    socket.write(head);
  });
}

/**
 * The answer at the start of `data` and where it ends, or undefined while it is incomplete.
 * `closed`: the connection ended, which completes a body delimited by the close.
 */
function parseAnswer(
  data: Buffer,
  bodiless: (statusCode: number) => boolean,
  closed: boolean,
): { answer: ProxyAnswer; end: number } | undefined {
  let start = 0;
  for (;;) {
    const headEnd = data.indexOf('\r\n\r\n', start);
    if (headEnd < 0) return undefined;
    const [statusLine = '', ...headerLines] = data.toString('latin1', start, headEnd).split('\r\n');
    const status = /^HTTP\/1\.([01]) (\d{3})/.exec(statusLine);
    if (!status) throw new ProxyProtocolError('The proxy did not answer with HTTP');
    const statusCode = Number(status[2]);
    const headers: Record<string, string[]> = {};
    for (const line of headerLines) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      (headers[name] ??= []).push(line.slice(colon + 1).trim());
    }
    const bodyStart = headEnd + 4;
    // 1xx answers are followed by the real one.
    if (statusCode < 200) {
      start = bodyStart;
      continue;
    }
    const connection = [...(headers.connection ?? []), ...(headers['proxy-connection'] ?? [])].join(',');
    const keepAlive = status[1] === '1' ? !/\bclose\b/i.test(connection) : /\bkeep-alive\b/i.test(connection);
    const answer = (reusable: boolean): ProxyAnswer => ({ statusCode, headers, reusable: keepAlive && reusable });
    if (bodiless(statusCode) || statusCode === 204 || statusCode === 304)
      return { answer: answer(true), end: bodyStart };
    if (/\bchunked\b/i.test((headers['transfer-encoding'] ?? []).join(','))) {
      const end = chunkedBodyEnd(data, bodyStart);
      return end < 0 ? undefined : { answer: answer(true), end };
    }
    const length = headers['content-length']?.[0];
    if (length !== undefined) {
      const end = bodyStart + Number(length);
      if (!Number.isSafeInteger(end) || end < bodyStart)
        throw new ProxyProtocolError('Bad Content-Length from the proxy');
      return data.length >= end ? { answer: answer(true), end } : undefined;
    }
    // No length: the body ends when the connection does, which leaves nothing to reuse.
    return closed ? { answer: answer(false), end: data.length } : undefined;
  }
}

/** The end of a chunked body starting at `at`, or -1 while incomplete. */
function chunkedBodyEnd(data: Buffer, at: number): number {
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd < 0) return -1;
    const size = parseInt(data.toString('latin1', at, lineEnd), 16);
    if (Number.isNaN(size)) throw new ProxyProtocolError('Bad chunked body from the proxy');
    at = lineEnd + 2;
    if (size === 0) {
      // Trailer lines, then an empty line.
      for (let next = data.indexOf('\r\n', at); next >= 0; next = data.indexOf('\r\n', at)) {
        if (next === at) return next + 2;
        at = next + 2;
      }
      return -1;
    }
    if (data.length < at + size + 2) return -1;
    at += size + 2;
  }
}
