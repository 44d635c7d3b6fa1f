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
export function useAbsoluteForm(request: http.ClientRequest, target: HttpTarget, authorization?: string): void {
  if (request.path.startsWith('/')) request.path = `${target.origin}${request.path}`;
  if (authorization) request.setHeader('proxy-authorization', authorization);
}

/**
 * For a request whose head was already built in origin form (it was meant for a tunnel) and is
 * now sent to the proxy itself: rewrites the head on its way out. Node writes a request's whole
 * head at the start of its first write to the socket, so only that write is touched.
 */
export function writeHeadInAbsoluteForm(socket: Duplex, target: HttpTarget, authorization?: string): void {
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  socket.write = function (chunk: unknown, ...rest: unknown[]): boolean {
    socket.write = write as Duplex['write'];
    return write(headInAbsoluteForm(chunk, target, authorization), ...rest);
  } as Duplex['write'];
}

const REQUEST_LINE = /^(\S+) (\/\S*) (HTTP\/1\.[01])\r\n/;

function headInAbsoluteForm(chunk: unknown, target: HttpTarget, authorization?: string): unknown {
  if (typeof chunk !== 'string' && !Buffer.isBuffer(chunk)) return chunk;
  // latin1 maps bytes to characters one to one, so a Buffer survives the round trip unchanged.
  const text = typeof chunk === 'string' ? chunk : chunk.toString('latin1');
  const line = REQUEST_LINE.exec(text);
  if (!line) return chunk;
  const [, method, path, version] = line;
  const credentials = authorization ? `Proxy-Authorization: ${authorization}\r\n` : '';
  const rewritten = `${method} ${target.origin}${path} ${version}\r\n${credentials}${text.slice(line[0].length)}`;
  return typeof chunk === 'string' ? rewritten : Buffer.from(rewritten, 'latin1');
}
