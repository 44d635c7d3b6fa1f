/**
 * The agent for plain-HTTP targets behind a proxy. Each connection is a kept-alive CONNECT
 * tunnel to the target, as with Node-RED's http request node: the proxy then only pipes bytes,
 * where a forwarded request costs it a parse and an upstream exchange each time. Many proxies
 * allow CONNECT to TLS ports only (Squid's default) and answer 403/405/501 for port 80: that
 * target's requests then go to the proxy in absolute form (`GET http://host/path`, see
 * ./proxy-forwarding), remembered per target. The request that found out is sent that way
 * too, on a fresh connection to the proxy, so it does not fail.
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { httpTargetOf, useAbsoluteForm } from './absolute-form';
import { AgentHandshakes } from './agent-handshakes';
import { openForwarding } from './proxy-forwarding';
import { ProxyConnectError, openTunnel, type ProxyHop } from './proxy-handshake';
import type { ConnectCallback } from './proxy-agents';

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

export class PlainHttpProxyAgent extends http.Agent {
  /** Authorities (host:port) the proxy refused to tunnel to: their requests are forwarded. */
  private readonly forwardedTargets = new Set<string>();
  /** Proxy connections that carry a single request: the one that found CONNECT refused. */
  private readonly singleUse = new WeakSet<Duplex>();
  private readonly handshakes: AgentHandshakes;

  constructor(hop: Pick<ProxyHop, 'endpoint' | 'proxyTls'>, options: http.AgentOptions) {
    super(options);
    this.handshakes = new AgentHandshakes(hop);
  }

  /**
   * Node's Agent hook, called while the request is built and before its head is written: the
   * place to choose the route and, for forwarding, turn the path into the absolute form.
   */
  addRequest(request: http.ClientRequest, options: http.RequestOptions): void {
    const target = httpTargetOf(options);
    const route: Route = this.forwardedTargets.has(target.authority) ? 'forward' : 'tunnel';
    if (route === 'forward') {
      useAbsoluteForm(request, target, (method, uri) =>
        this.handshakes.hop.endpoint.auth.authorizationFor({ method, uri }),
      );
    }
    agentMethods.addRequest.call(this, request, { ...options, [ROUTE]: route });
  }

  /** Tunnels and connections to the proxy itself live in separate pools: no request takes the wrong kind. */
  override getName(options?: RoutedOptions): string {
    return `${super.getName(options)}:${options?.[ROUTE] ?? 'tunnel'}`;
  }

  override createConnection(options: RoutedOptions, callback: ConnectCallback): undefined {
    const target = httpTargetOf(options);
    const hop = this.handshakes.hopFor(options.timeout);
    const path = options.path ?? '/';
    if (options[ROUTE] === 'forward') {
      openForwarding(hop, target, path, false).then((socket) => callback(null, socket), callback);
      return undefined;
    }
    openTunnel(hop, target.authority).then(
      (socket) => callback(null, socket),
      (err: unknown) => {
        if (!(err instanceof ProxyConnectError && CONNECT_REFUSED.has(err.statusCode))) {
          callback(err as Error);
          return;
        }
        this.forwardedTargets.add(target.authority);
        openForwarding(hop, target, path, true).then((socket) => {
          this.singleUse.add(socket);
          callback(null, socket);
        }, callback);
      },
    );
    return undefined;
  }

  /** A single-use connection is closed after its request; everything else is kept alive. */
  override keepSocketAlive(socket: Duplex): boolean {
    return !this.singleUse.has(socket) && agentMethods.keepSocketAlive.call(this, socket);
  }

  /** Also stops the connections still being opened. */
  override destroy(): void {
    this.handshakes.stopAll();
    super.destroy();
  }
}
