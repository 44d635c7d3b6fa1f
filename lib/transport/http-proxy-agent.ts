/**
 * The agent for plain-HTTP targets behind a proxy. Each connection is a kept-alive CONNECT
 * tunnel to the target, as with Node-RED's http request node and hpagent: the proxy then only
 * pipes bytes, where a forwarded request costs it a parse and an upstream exchange each time.
 * Many proxies allow CONNECT to TLS ports only (Squid's default) and answer 403/405/501 for
 * port 80: that target's requests then go to the proxy in absolute form
 * (`GET http://host/path`), remembered per target. The request that found out is sent that way
 * too, on a fresh connection to the proxy, so it does not fail.
 */
import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { HttpProxyAgent } from 'hpagent';
import { httpTargetOf, useAbsoluteForm, writeHeadInAbsoluteForm, type HttpTarget } from './absolute-form';
import { connectRequestOptions, type ConnectCallback } from './proxy-agents';
import { connectStatusOf, recordProxyFailure } from './proxy-failures';
import type { ProxyEndpoint } from './proxy-rules';

/** Answers to CONNECT that mean "not to this target", after which forwarding may still be allowed. */
const CONNECT_REFUSED = new Set([403, 405, 501]);

/** How a request reaches its target, carried in the options Node's Agent passes around. */
const ROUTE = Symbol('proxy route');
type Route = 'tunnel' | 'forward';
type RoutedOptions = http.ClientRequestArgs & { [ROUTE]?: Route };

/** Public methods of Node's http.Agent that its type definitions lack or type as void. */
const agentMethods = http.Agent.prototype as unknown as {
  addRequest(request: http.ClientRequest, options: http.RequestOptions): void;
  keepSocketAlive(socket: Duplex): boolean;
};

export class PlainHttpProxyAgent extends HttpProxyAgent {
  private readonly endpoint: ProxyEndpoint;
  private readonly proxyTls: tls.ConnectionOptions;
  /** Authorities (host:port) the proxy refused to tunnel to: their requests are forwarded. */
  private readonly forwardedTargets = new Set<string>();
  /** Proxy connections that carry a single request: the one that found CONNECT refused. */
  private readonly singleUse = new WeakSet<Duplex>();

  constructor(endpoint: ProxyEndpoint, proxyTls: tls.ConnectionOptions, options: http.AgentOptions) {
    super({ ...options, proxy: endpoint.url, proxyRequestOptions: connectRequestOptions(endpoint, proxyTls) });
    this.endpoint = endpoint;
    this.proxyTls = proxyTls;
  }

  /**
   * Node's Agent hook, called while the request is built and before its head is written: the
   * place to choose the route and, for forwarding, turn the path into the absolute form.
   */
  addRequest(request: http.ClientRequest, options: http.RequestOptions): void {
    const target = httpTargetOf(options);
    const route: Route = this.forwardedTargets.has(target.authority) ? 'forward' : 'tunnel';
    if (route === 'forward') useAbsoluteForm(request, target, this.endpoint.authorization);
    agentMethods.addRequest.call(this, request, { ...options, [ROUTE]: route });
  }

  /** Tunnels and connections to the proxy itself live in separate pools: no request takes the wrong kind. */
  override getName(options?: RoutedOptions): string {
    return `${super.getName(options)}:${options?.[ROUTE] ?? 'tunnel'}`;
  }

  override createConnection(options: RoutedOptions, callback?: ConnectCallback): Duplex | null | undefined {
    const target = httpTargetOf(options);
    if (options[ROUTE] === 'forward') return this.connectToProxy(target);
    const report: ConnectCallback = (err, stream) => {
      const statusCode = err ? connectStatusOf(err) : undefined;
      if (statusCode !== undefined && CONNECT_REFUSED.has(statusCode)) {
        this.forwardedTargets.add(target.authority);
        const socket = this.connectToProxy(target);
        writeHeadInAbsoluteForm(socket, target, this.endpoint.authorization);
        this.singleUse.add(socket);
        callback?.(null, socket);
        return;
      }
      if (err) recordProxyFailure(err, { proxy: this.endpoint, target: target.authority, statusCode });
      callback?.(err, stream);
    };
    // hpagent asks for `${host}:${port}`: an IPv6 host needs its brackets there.
    const host = target.authority.slice(0, target.authority.lastIndexOf(':'));
    return super.createConnection({ ...options, host }, report);
  }

  /** A single-use connection is closed after its request; everything else is kept alive. */
  override keepSocketAlive(socket: Duplex): boolean {
    return !this.singleUse.has(socket) && agentMethods.keepSocketAlive.call(this, socket);
  }

  private connectToProxy(target: HttpTarget): Duplex {
    const { url } = this.endpoint;
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
    const socket =
      url.protocol === 'https:'
        ? tls.connect({ ...this.proxyTls, host, port, ...(net.isIP(host) ? {} : { servername: host }) })
        : net.connect({ host, port });
    // Registered before the request's own listener, so the error is known as a proxy failure when it arrives.
    socket.once('error', (err) => recordProxyFailure(err, { proxy: this.endpoint, target: target.authority }));
    return socket;
  }
}
