/**
 * The keep-alive agent for HTTPS targets behind a proxy: each connection is a CONNECT tunnel
 * (./proxy-handshake, authenticated as the proxy asks) with TLS to the server inside it, using
 * the agent's TLS options. Plain-HTTP targets have their own agent (./http-proxy-agent).
 */
import { setMaxListeners } from 'node:events';
import https from 'node:https';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { openTunnel, type ProxyHop } from './proxy-handshake';

export type ConnectCallback = (err: Error | null, stream?: Duplex) => void;

export class TunnelingProxyAgent extends https.Agent {
  private readonly closing = new AbortController();

  constructor(
    private readonly hop: Pick<ProxyHop, 'endpoint' | 'proxyTls'>,
    options: https.AgentOptions,
  ) {
    super(options);
    // One listener per handshake in progress, removed when it ends: many at once is no leak.
    setMaxListeners(0, this.closing.signal);
  }

  override createConnection(options: https.RequestOptions, callback: ConnectCallback): undefined {
    const host = (options.host ?? 'localhost').replace(/^\[(.*)\]$/, '$1');
    const authority = `${net.isIPv6(host) ? `[${host}]` : host}:${options.port ?? 443}`;
    openTunnel({ ...this.hop, timeout: options.timeout ?? 0, signal: this.closing.signal }, authority).then(
      // TLS to the server, inside the tunnel.
      (socket) => callback(null, super.createConnection({ ...options, socket } as https.RequestOptions) as Duplex),
      callback,
    );
    return undefined;
  }

  /** Also stops the tunnels still being opened. */
  override destroy(): void {
    this.closing.abort();
    super.destroy();
  }
}
