/**
 * Connections to a proxy and the authentication handshake on them: each step of
 * ./proxy-auth/proxy-authenticator goes to the proxy as a request on the same kept-alive
 * connection (a new one only where the proxy closed it and the scheme allows). CONNECT tunnels
 * (openTunnel) end the handshake with the tunnel itself; forwarding connections use a bodiless
 * probe and leave the last credentials to the first real request (./proxy-forwarding).
 * Every failure is recorded for classifyError (./proxy-failures).
 */
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { parseChallenges } from '../auth/challenges';
import type { DigestRequest } from '../auth/digest/digest';
import { ProxyAuthError, type ProxyAuthStep } from './proxy-auth/proxy-authenticator';
import { exchange, type ProxyAnswer } from './proxy-exchange';
import { recordProxyFailure } from './proxy-failures';
import type { ProxyEndpoint } from './proxy-rules';

/** Auto with NTLM takes three requests; a stale Digest nonce two more. Beyond that the proxy is going round in circles. */
const MAX_STEPS = 6;

/** Everything needed to talk to one proxy. */
export interface ProxyHop {
  endpoint: ProxyEndpoint;
  /** TLS options for an https:// proxy (its CA, verification). */
  proxyTls: tls.ConnectionOptions;
  /** Milliseconds an answer may take; 0: no limit. */
  timeout: number;
  /** Aborted when the agent is destroyed: a handshake in progress stops and closes its connection. */
  signal?: AbortSignal;
}

/** The proxy answered CONNECT with a status other than 2xx or 407. */
export class ProxyConnectError extends Error {
  override name = 'ProxyConnectError';

  constructor(readonly statusCode: number) {
    super(`Bad response: ${statusCode}`);
  }
}

export interface HandshakeResult {
  socket: Duplex;
  /** The proxy's last answer; undefined when the handshake stopped before sending credentials. */
  answer?: ProxyAnswer;
  step: ProxyAuthStep;
}

export interface HandshakeOptions {
  request: DigestRequest;
  /** The request head carrying this Proxy-Authorization. */
  headFor: (authorization: string | undefined) => string;
  /** The answer with this status has no body. */
  bodiless: (statusCode: number) => boolean;
  /** The proxy let the request through (it did not refuse for authentication or anything else). */
  passed: (statusCode: number) => boolean;
  /** Stop before a step that carries credentials: they go with the real request (forwarding). */
  stopBeforeCredentials: boolean;
  /** host:port the proxy is asked to reach, for failure records. */
  target: string;
}

/** A new connection to the proxy (TLS for an https:// proxy). */
export function connectToProxy(hop: ProxyHop): Duplex {
  const { url } = hop.endpoint;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
  return url.protocol === 'https:'
    ? tls.connect({ ...hop.proxyTls, host, port, ...(net.isIP(host) ? {} : { servername: host }) })
    : net.connect({ host, port });
}

/**
 * Records errors of `socket` as failures on the way to the proxy; registered before any
 * request's own listener, so the error is known as such when it arrives. Returns the remover.
 */
export function recordErrorsOf(socket: Duplex, hop: ProxyHop, target: string): () => void {
  const record = (err: Error) => recordProxyFailure(err, { proxy: hop.endpoint, target });
  socket.once('error', record);
  return () => socket.off('error', record);
}

/** Runs the authentication steps on one connection until the proxy stops answering 407. */
export async function handshake(hop: ProxyHop, options: HandshakeOptions): Promise<HandshakeResult> {
  const { auth } = hop.endpoint;
  let socket = connectToProxy(hop);
  let stopRecording = recordErrorsOf(socket, hop, options.target);
  let step = auth.begin(options.request);
  // The agent does not know a connection until the handshake hands it over: closing it is ours.
  const abort = () => socket.destroy(new Error('The connection was closed'));
  hop.signal?.addEventListener('abort', abort);
  try {
    if (hop.signal?.aborted) throw new Error('The connection was closed');
    for (let sent = 0; ; sent++) {
      if (options.stopBeforeCredentials && !step.negotiating) {
        stopRecording();
        return { socket, step };
      }
      if (sent === MAX_STEPS) throw new ProxyAuthError({ kind: 'refused', offered: [], configured: auth.configured });
      const answer = await exchange(socket, options.headFor(step.authorization), {
        bodiless: options.bodiless,
        timeout: hop.timeout,
      });
      if (answer.statusCode !== 407) {
        auth.settled(step, options.passed(answer.statusCode));
        stopRecording();
        return { socket, answer, step };
      }
      const next = auth.next(step, parseChallenges(answer.headers['proxy-authenticate']), options.request);
      if (!answer.reusable) {
        if (next.sameConnection) {
          throw new ProxyAuthError({ kind: 'ntlm-connection-closed', offered: ['NTLM'], configured: auth.configured });
        }
        stopRecording();
        socket.destroy();
        socket = connectToProxy(hop);
        stopRecording = recordErrorsOf(socket, hop, options.target);
      }
      step = next;
    }
  } catch (err) {
    socket.destroy();
    const auth = err instanceof ProxyAuthError ? err.failure : undefined;
    recordProxyFailure(err, { proxy: hop.endpoint, target: options.target, statusCode: auth ? 407 : undefined, auth });
    throw err;
  } finally {
    hop.signal?.removeEventListener('abort', abort);
  }
}

/** A CONNECT tunnel to `authority` (host:port), authenticated as the proxy asks. */
export async function openTunnel(hop: ProxyHop, authority: string): Promise<Duplex> {
  const succeeded = (statusCode: number) => statusCode >= 200 && statusCode < 300;
  const { socket, answer } = await handshake(hop, {
    request: { method: 'CONNECT', uri: authority },
    headFor: (authorization) =>
      `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\nProxy-Connection: keep-alive\r\n` +
      `${authorization ? `Proxy-Authorization: ${authorization}\r\n` : ''}\r\n`,
    bodiless: succeeded,
    passed: succeeded,
    stopBeforeCredentials: false,
    target: authority,
  });
  const statusCode = (answer as ProxyAnswer).statusCode;
  if (succeeded(statusCode)) return socket;
  socket.destroy();
  const err = new ProxyConnectError(statusCode);
  recordProxyFailure(err, { proxy: hop.endpoint, target: authority, statusCode });
  throw err;
}
