/**
 * Failures on the way to a proxy, recorded against the error object when they happen, so
 * classifyError can tell "the proxy refused / could not be reached" (ERR_PROXY) from a failure
 * of the server itself.
 */
import type { ProxyEndpoint } from './proxy-rules';

export interface ProxyFailure {
  proxy: ProxyEndpoint;
  /** host:port the proxy was asked to reach. */
  target: string;
  /** Status of the proxy's answer to CONNECT, when it answered. */
  statusCode?: number;
}

const proxyFailures = new WeakMap<object, ProxyFailure>();

/** What is known about an error that happened on the way to a proxy, or undefined. */
export function proxyFailureOf(err: unknown): ProxyFailure | undefined {
  return typeof err === 'object' && err !== null ? proxyFailures.get(err) : undefined;
}

export function recordProxyFailure(err: unknown, failure: ProxyFailure): void {
  if (typeof err === 'object' && err !== null && !proxyFailures.has(err)) proxyFailures.set(err, failure);
}

/** The status of a refused CONNECT out of hpagent's error ("Bad response: 403"), or undefined. */
export function connectStatusOf(err: Error): number | undefined {
  const status = /^Bad response: (\d+)/.exec(err.message);
  return status ? Number(status[1]) : undefined;
}
