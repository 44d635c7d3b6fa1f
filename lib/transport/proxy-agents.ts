/**
 * Keep-alive agents that go through a proxy, both with CONNECT tunnels:
 * - HTTPS targets: TunnelingProxyAgent (hpagent's HttpsProxyAgent) runs TLS to the server
 *   inside the tunnel (with the agent's TLS options).
 * - Plain-HTTP targets: PlainHttpProxyAgent (./http-proxy-agent), which falls back to
 *   absolute-form forwarding for targets the proxy will not tunnel to.
 * Failures on the way to the proxy are recorded (./proxy-failures) for classifyError.
 */
import type https from 'node:https';
import type { Duplex } from 'node:stream';
import type tls from 'node:tls';
import { HttpsProxyAgent, type ProxyAgentRequestOptions } from 'hpagent';
import { connectStatusOf, recordProxyFailure } from './proxy-failures';
import type { ProxyEndpoint } from './proxy-rules';

export type ConnectCallback = (err: Error | null, stream: Duplex) => void;

/** hpagent's options for the CONNECT request: the proxy's TLS trust and its credentials. */
export function connectRequestOptions(
  endpoint: ProxyEndpoint,
  proxyTls: tls.ConnectionOptions,
): ProxyAgentRequestOptions {
  return {
    ...(proxyTls as { ca?: string[]; rejectUnauthorized?: boolean }),
    headers: endpoint.authorization ? { 'proxy-authorization': endpoint.authorization } : {},
  };
}

export class TunnelingProxyAgent extends HttpsProxyAgent {
  private readonly endpoint: ProxyEndpoint;

  constructor(endpoint: ProxyEndpoint, proxyTls: tls.ConnectionOptions, options: https.AgentOptions) {
    super({ ...options, proxy: endpoint.url, proxyRequestOptions: connectRequestOptions(endpoint, proxyTls) });
    this.endpoint = endpoint;
  }

  override createConnection(options: https.RequestOptions, callback?: ConnectCallback): Duplex | null | undefined {
    const target = `${options.host}:${options.port}`;
    const report: ConnectCallback = (err, stream) => {
      if (err) recordProxyFailure(err, { proxy: this.endpoint, target, statusCode: connectStatusOf(err) });
      callback?.(err, stream);
    };
    return super.createConnection(options, report);
  }
}
