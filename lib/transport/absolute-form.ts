/**
 * The absolute form of a plain-HTTP request (`GET http://host:port/path HTTP/1.1`): what a
 * proxy needs to forward a request it gets without a CONNECT tunnel, together with the
 * proxy's credentials in Proxy-Authorization.
 */
import type http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';

export interface HttpTarget {
  /** `host:port` (IPv6 in brackets): what CONNECT asks for, and what the fallback is remembered by. */
  authority: string;
  /** `http://host[:port]`, the start of the absolute form. */
  origin: string;
}

/** The target of a request, from the options Node's Agent gets. */
export function httpTargetOf(options: http.ClientRequestArgs): HttpTarget {
  const host = (options.hostname ?? options.host ?? 'localhost').replace(/^\[(.*)\]$/, '$1');
  const port = Number(options.port) || 80;
  const name = net.isIPv6(host) ? `[${host}]` : host;
  return { authority: `${name}:${port}`, origin: `http://${name}${port === 80 ? '' : `:${port}`}` };
}

/** Turns a request whose head is not built yet into the absolute form, with the proxy's credentials. */
export function useAbsoluteForm(request: http.ClientRequest, target: HttpTarget, authorize: Authorize): void {
  if (request.path.startsWith('/')) request.path = `${target.origin}${request.path}`;
  const authorization = authorize(request.method, request.path);
  if (authorization) request.setHeader('proxy-authorization', authorization);
}

/** The Proxy-Authorization of a forwarded request (method, absolute URL), or undefined for none. */
export type Authorize = (method: string, uri: string) => string | undefined;

/**
 * Rewrites the head of the first request on a new connection to the proxy on its way out:
 * into the absolute form when `target` is given (the head was built in origin form for a
 * tunnel), and with the Proxy-Authorization the connection's handshake calls for (e.g. NTLM's
 * last message, which exists only once the connection is open). Node writes a request's whole
 * head at the start of its first write to the socket, so only that write is touched.
 */
export function rewriteFirstHead(socket: Duplex, authorize: Authorize, target?: HttpTarget): void {
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  socket.write = function (chunk: unknown, ...rest: unknown[]): boolean {
    socket.write = write as Duplex['write'];
    return write(rewrittenHead(chunk, authorize, target), ...rest);
  } as Duplex['write'];
}

const REQUEST_LINE = /^(\S+) (\S+) (HTTP\/1\.[01])\r\n/;
const PROXY_AUTHORIZATION_LINE = /^proxy-authorization:[^\r\n]*\r\n/gim;

function rewrittenHead(chunk: unknown, authorize: Authorize, target?: HttpTarget): unknown {
  if (typeof chunk !== 'string' && !Buffer.isBuffer(chunk)) return chunk;
  // latin1 maps bytes to characters one to one, so a Buffer survives the round trip unchanged.
  const text = typeof chunk === 'string' ? chunk : chunk.toString('latin1');
  const line = REQUEST_LINE.exec(text);
  const headEnd = text.indexOf('\r\n\r\n');
  if (!line || headEnd < 0) return chunk;
  const [requestLine, method = '', path = '', version = ''] = line;
  const uri = target && path.startsWith('/') ? `${target.origin}${path}` : path;
  const authorization = authorize(method, uri);
  const headers = text.slice(requestLine.length, headEnd + 2).replace(PROXY_AUTHORIZATION_LINE, '');
  const credentials = authorization ? `Proxy-Authorization: ${authorization}\r\n` : '';
  const rewritten = `${method} ${uri} ${version}\r\n${credentials}${headers}${text.slice(headEnd + 2)}`;
  return typeof chunk === 'string' ? rewritten : Buffer.from(rewritten, 'latin1');
}
