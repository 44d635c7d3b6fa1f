/**
 * The keep-alive agent for HTTPS targets behind a proxy: each connection is a CONNECT tunnel
 * (./proxy-handshake, authenticated as the proxy asks) with TLS to the server inside it, using
 * the agent's TLS options. Plain-HTTP targets have their own agent (./http-proxy-agent).
 */
import https from 'node:https';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { AgentHandshakes } from './agent-handshakes';
import { openTunnel, type ProxyHop } from './proxy-handshake';

export type ConnectCallback = (err: Error | null, stream?: Duplex) => void;

export class TunnelingProxyAgent extends https.Agent {
  private readonly handshakes: AgentHandshakes;

  constructor(hop: Pick<ProxyHop, 'endpoint' | 'proxyTls'>, options: https.AgentOptions) {
    super(options);
    this.handshakes = new AgentHandshakes(hop);
  }

  override createConnection(options: https.RequestOptions, callback: ConnectCallback): undefined {
    const host = (options.host ?? 'localhost').replace(/^\[(.*)\]$/, '$1');
    const authority = `${net.isIPv6(host) ? `[${host}]` : host}:${options.port ?? 443}`;
    openTunnel(this.handshakes.hopFor(options.timeout), authority).then(
      // TLS to the server, inside the tunnel.
      (socket) => callback(null, super.createConnection({ ...options, socket } as https.RequestOptions) as Duplex),
      callback,
    );
    return undefined;
  }

  /** Also stops the tunnels still being opened. */
  override destroy(): void {
    this.handshakes.stopAll();
    super.destroy();
  }
}
