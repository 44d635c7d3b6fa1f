/**
 * Failures on the way to a proxy, recorded against the error object when they happen, so
 * classifyError can tell "the proxy refused / could not be reached" (ERR_PROXY) from a failure
 * of the server itself.
 */
import type { ProxyAuthFailure } from './proxy-auth/proxy-authenticator';
import type { ProxyEndpoint } from './proxy-rules';

export interface ProxyFailure {
  proxy: ProxyEndpoint;
  /** host:port the proxy was asked to reach. */
  target: string;
  /** Status of the proxy's answer to CONNECT, when it answered. */
  statusCode?: number;
  /** What the authentication handshake found, for a 407. */
  auth?: ProxyAuthFailure;
}

const proxyFailures = new WeakMap<object, ProxyFailure>();

/** What is known about an error that happened on the way to a proxy, or undefined. */
export function proxyFailureOf(err: unknown): ProxyFailure | undefined {
  return typeof err === 'object' && err !== null ? proxyFailures.get(err) : undefined;
}

export function recordProxyFailure(err: unknown, failure: ProxyFailure): void {
  if (typeof err === 'object' && err !== null && !proxyFailures.has(err)) proxyFailures.set(err, failure);
}
