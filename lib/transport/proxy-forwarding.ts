/**
 * Connections to the proxy for plain-HTTP requests it forwards (absolute form) instead of
 * tunnelling. Basic and a known Digest nonce go with each request. NTLM authenticates the
 * connection: a bodiless probe (`HEAD` of the request's URL, which the proxy answers 407
 * without forwarding it) carries NEGOTIATE, and the connection's first real request carries
 * AUTHENTICATE; later requests on it need nothing. The same probe learns the scheme (auto) or
 * a Digest nonce when none is known yet.
 */
import type { Duplex } from 'node:stream';
import { rewriteFirstHead, type HttpTarget } from './absolute-form';
import { connectToProxy, handshake, recordErrorsOf, type ProxyHop } from './proxy-handshake';

/**
 * A connection for requests to `target`, its first request being for `path`.
 * `originForm`: that request's head was built in origin form (for a tunnel) and is rewritten.
 */
export async function openForwarding(
  hop: ProxyHop,
  target: HttpTarget,
  path: string,
  originForm: boolean,
): Promise<Duplex> {
  const { auth } = hop.endpoint;
  let socket: Duplex;
  let connectionCredentials: string | undefined;
  if (auth.needsHandshake()) {
    const uri = `${target.origin}${path}`;
    const result = await handshake(hop, {
      request: { method: 'HEAD', uri },
      headFor: (authorization) =>
        `HEAD ${uri} HTTP/1.1\r\nHost: ${hostOf(target)}\r\nProxy-Connection: keep-alive\r\n` +
        `${authorization ? `Proxy-Authorization: ${authorization}\r\n` : ''}\r\n`,
      bodiless: () => true,
      passed: (statusCode) => statusCode !== 407,
      stopBeforeCredentials: true,
      target: target.authority,
    });
    socket = result.socket;
    // NTLM's AUTHENTICATE answers this connection's challenge: only the first request can carry it.
    if (!result.answer && result.step.scheme === 'ntlm') connectionCredentials = result.step.authorization;
  } else {
    socket = connectToProxy(hop);
  }
  recordErrorsOf(socket, hop, target.authority);
  rewriteFirstHead(
    socket,
    (method, uri) => connectionCredentials ?? auth.authorizationFor({ method, uri }),
    originForm ? target : undefined,
  );
  return socket;
}

/** The Host header of a target: its authority without the default port. */
function hostOf(target: HttpTarget): string {
  return target.origin.slice('http://'.length);
}
