/**
 * The handshakes a proxy agent has in progress with its proxy: each runs on the agent's hop with
 * the request's timeout and stops, closing its connection, when the agent is destroyed. Both
 * proxy agents (./proxy-agents, ./http-proxy-agent) hold one.
 */
import { setMaxListeners } from 'node:events';
import type { ProxyHop } from './proxy-handshake';

export class AgentHandshakes {
  private readonly closing = new AbortController();

  constructor(readonly hop: Pick<ProxyHop, 'endpoint' | 'proxyTls'>) {
    // One listener per handshake in progress, removed when it ends: many at once is no leak.
    setMaxListeners(0, this.closing.signal);
  }

  /** The hop for one handshake: `timeout` from the request's options (none: no limit), stopped by stopAll(). */
  hopFor(timeout: number | undefined): ProxyHop {
    return { ...this.hop, timeout: timeout ?? 0, signal: this.closing.signal };
  }

  /** Stops every handshake in progress and any started later. */
  stopAll(): void {
    this.closing.abort();
  }
}
