/**
 * Keep-alive agents that go through a proxy:
 * - HTTPS targets: hpagent's HttpsProxyAgent opens a CONNECT tunnel and runs TLS to the
 *   server inside it (with the agent's TLS options).
 * - HTTP targets: requests are sent to the proxy in absolute form (`GET http://host/path`),
 *   as proxies expect for plain HTTP. (hpagent's HttpProxyAgent would CONNECT to port 80,
 *   which many corporate proxies refuse.)
 * Failures on the way to the proxy are recorded, so classifyError can tell "the proxy
 * refused/could not be reached" (ERR_PROXY) from a failure of the server itself.
 */
import http from 'node:http';
import type https from 'node:https';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { HttpsProxyAgent } from 'hpagent';
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

function recordProxyFailure(err: unknown, failure: ProxyFailure): void {
  if (typeof err === 'object' && err !== null && !proxyFailures.has(err)) proxyFailures.set(err, failure);
}

type ConnectCallback = (err: Error | null, stream: Duplex) => void;

export class TunnelingProxyAgent extends HttpsProxyAgent {
  private readonly endpoint: ProxyEndpoint;

  constructor(endpoint: ProxyEndpoint, proxyTls: tls.ConnectionOptions, options: https.AgentOptions) {
    super({
      ...options,
      proxy: endpoint.url,
      proxyRequestOptions: {
        ...(proxyTls as { ca?: string[]; rejectUnauthorized?: boolean }),
        headers: endpoint.authorization ? { 'proxy-authorization': endpoint.authorization } : {},
      },
    });
    this.endpoint = endpoint;
  }

  override createConnection(options: https.RequestOptions, callback?: ConnectCallback): Duplex | null | undefined {
    const target = `${options.host}:${options.port}`;
    const report: ConnectCallback = (err, stream) => {
      if (err) {
        const status = /^Bad response: (\d+)/.exec(err.message);
        recordProxyFailure(err, { proxy: this.endpoint, target, statusCode: status ? Number(status[1]) : undefined });
      }
      callback?.(err, stream);
    };
    return super.createConnection(options, report);
  }
}

/** http.Agent#addRequest: public in Node.js, missing from its type definitions. */
const agentAddRequest = (
  http.Agent.prototype as unknown as { addRequest(request: http.ClientRequest, options: http.RequestOptions): void }
).addRequest;

export class ForwardingProxyAgent extends http.Agent {
  private readonly endpoint: ProxyEndpoint;
  private readonly proxyTls: tls.ConnectionOptions;

  constructor(endpoint: ProxyEndpoint, proxyTls: tls.ConnectionOptions, options: http.AgentOptions) {
    super(options);
    this.endpoint = endpoint;
    this.proxyTls = proxyTls;
  }

  /**
   * Node's Agent hook, called while the request is built and before its head is written:
   * the place to turn the path into the absolute form and add the proxy's credentials.
   */
  addRequest(request: http.ClientRequest, options: http.RequestOptions): void {
    const host = (options.hostname ?? options.host ?? 'localhost').replace(/^\[(.*)\]$/, '$1');
    const port = Number(options.port) || 80;
    const authority = `${net.isIPv6(host) ? `[${host}]` : host}${port === 80 ? '' : `:${port}`}`;
    if (request.path.startsWith('/')) request.path = `http://${authority}${request.path}`;
    if (this.endpoint.authorization) request.setHeader('proxy-authorization', this.endpoint.authorization);
    agentAddRequest.call(this, request, options);
  }

  override createConnection(options: http.ClientRequestArgs): Duplex {
    const { url } = this.endpoint;
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
    const socket =
      url.protocol === 'https:'
        ? tls.connect({ ...this.proxyTls, host, port, ...(net.isIP(host) ? {} : { servername: host }) })
        : net.connect({ host, port });
    // Registered before the request's own listener, so the error is known as a proxy failure when it arrives.
    socket.once('error', (err) =>
      recordProxyFailure(err, { proxy: this.endpoint, target: `${options.host}:${options.port}` }),
    );
    return socket;
  }
}
