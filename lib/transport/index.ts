/**
 * Network transport of one connection: keep-alive agents (direct, or through a proxy in CONNECT
 * tunnels) with the connection's TLS settings baked in, so got (API requests) and @hapi/wreck
 * (OAuth2 token requests through simple-oauth2) reach the network the same way. Agents are created on
 * first use and reused for every later request; destroy() closes them all.
 */
import http from 'node:http';
import https from 'node:https';
import { RestError } from '../errors';
import { classifyTransportError } from '../http/classify-error';
import { proxyAuthMessage } from './proxy-auth/failure-message';
import { PlainHttpProxyAgent } from './http-proxy-agent';
import { TunnelingProxyAgent } from './proxy-agents';
import { ProxyRules, type ProxyEndpoint } from './proxy-rules';
import type { AgentPair, TransportOptions, TransportSettings } from './settings';
import { buildTlsConfig, serverNameOptions, type TlsConfig } from './tls-options';

export type { AgentPair, TransportOptions, TransportSettings } from './settings';
export { NoProxyList } from './no-proxy';

export const TLS_VERIFY_OFF_WARNING =
  'TLS certificate verification is off (tlsVerify is false): this connection accepts any server certificate, ' +
  "so its traffic and credentials can be intercepted. Add the server's CA as caCert instead.";

export class Transport {
  private readonly tls: TlsConfig;
  private readonly proxies: ProxyRules;
  private readonly agentOptions: http.AgentOptions;
  /** Lower-case host tlsServerName applies to; undefined: every host. */
  private readonly serverNameHost?: string;
  private readonly agents = new Map<string, http.Agent>();
  private destroyed = false;
  /** For error messages that name the versions (the TLS options carry it in Node's form). */
  private readonly tlsMinVersion?: string;

  /** Throws RestError ERR_CONFIG / ERR_TLS for settings that cannot work. */
  constructor(settings: TransportSettings, options: TransportOptions = {}) {
    this.tls = buildTlsConfig(settings);
    this.tlsMinVersion = settings.tlsMinVersion;
    this.proxies = ProxyRules.from(settings, options.env ?? process.env);
    this.agentOptions = { keepAlive: true, ...(settings.timeout > 0 ? { timeout: settings.timeout } : {}) };
    this.serverNameHost = hostOf(options.baseUrl);
    if (!this.tls.verify) options.warn?.(TLS_VERIFY_OFF_WARNING);
  }

  /** Secrets the transport sends (proxy passwords and their Proxy-Authorization values): for redaction. */
  secrets(): string[] {
    return this.proxies.secrets();
  }

  /**
   * The agents for a request to `url` (proxy or direct, per noProxy / NO_PROXY); created once
   * and reused. `https` is the agent for an https request to url's host, `http` for an http one.
   */
  agentsFor(url: URL): AgentPair {
    if (this.destroyed) throw new RestError('ERR_CONFIG', 'The connection is closed');
    return {
      http: this.httpAgent(withProtocol(url, 'http:')),
      https: this.httpsAgent(withProtocol(url, 'https:')),
    };
  }

  /**
   * Maps an error thrown by got or @hapi/wreck to a RestError ERR_TLS / ERR_PROXY with a
   * plain-words message, or returns undefined when it is neither a TLS nor a proxy failure.
   */
  classifyError(err: unknown): RestError | undefined {
    // got's HTTPError for a forwarded request the proxy answered 407: name the scheme it asked for.
    const response = (err as { response?: { statusCode?: unknown; url?: unknown; headers?: Record<string, unknown> } })
      ?.response;
    if (response?.statusCode === 407 && typeof response.url === 'string') {
      return this.proxyRefusal(new URL(response.url), response.headers?.['proxy-authenticate'] as string | undefined);
    }
    return classifyTransportError(err, { tlsMinVersion: this.tlsMinVersion });
  }

  /**
   * A request to `url` that the proxy forwarded was answered 407 with these
   * Proxy-Authenticate headers. True when sending it once more can succeed (a stale Digest
   * nonce, or the proxy now asks for another scheme that auto can answer).
   */
  renewProxyAuth(url: URL, proxyAuthenticate: string | string[] | undefined): boolean {
    return this.proxies.proxyFor(url)?.auth.renew(proxyAuthenticate) ?? false;
  }

  /** ERR_PROXY for a forwarded request to `url` answered 407, naming the scheme the proxy asked for. */
  proxyRefusal(url: URL, proxyAuthenticate: string | string[] | undefined): RestError {
    const proxy = this.proxies.proxyFor(url);
    const message = proxy
      ? proxyAuthMessage(proxy.label, proxy.auth.hasCredentials, proxy.auth.failureFor(proxyAuthenticate))
      : 'The proxy refused the request (407 Proxy Authentication Required)';
    return new RestError('ERR_PROXY', message, { statusCode: 407 });
  }

  /** Destroys every agent and its sockets. */
  destroy(): void {
    this.destroyed = true;
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }

  private httpAgent(target: URL): http.Agent {
    const proxy = this.proxies.proxyFor(target);
    return this.cached(`http ${proxy?.id ?? 'direct'}`, () =>
      proxy
        ? new PlainHttpProxyAgent({ endpoint: proxy, proxyTls: this.tls.proxyOptions }, this.agentOptions)
        : new http.Agent(this.agentOptions),
    );
  }

  private httpsAgent(target: URL): https.Agent {
    const proxy = this.proxies.proxyFor(target);
    const serverName = this.serverNameFor(target);
    const options: https.AgentOptions = {
      ...this.agentOptions,
      ...this.tls.serverOptions,
      ...(serverName ? serverNameOptions(serverName) : {}),
    };
    const key = `https ${proxy?.id ?? 'direct'}${serverName ? ' servername' : ''}`;
    return this.cached(key, () => this.createHttpsAgent(proxy, options)) as https.Agent;
  }

  private createHttpsAgent(proxy: ProxyEndpoint | undefined, options: https.AgentOptions): https.Agent {
    return proxy
      ? new TunnelingProxyAgent({ endpoint: proxy, proxyTls: this.tls.proxyOptions }, options)
      : new https.Agent(options);
  }

  private serverNameFor(target: URL): string | undefined {
    if (!this.tls.serverName) return undefined;
    if (this.serverNameHost && target.hostname.toLowerCase() !== this.serverNameHost) return undefined;
    return this.tls.serverName;
  }

  private cached(key: string, create: () => http.Agent): http.Agent {
    let agent = this.agents.get(key);
    if (!agent) {
      agent = create();
      this.agents.set(key, agent);
    }
    return agent;
  }
}

/** url itself when it has that protocol; else the same host on that protocol's default port. */
function withProtocol(url: URL, protocol: 'http:' | 'https:'): URL {
  return url.protocol === protocol ? url : new URL(`${protocol}//${url.hostname}/`);
}

function hostOf(baseUrl: string | URL | undefined): string | undefined {
  if (!baseUrl) return undefined;
  try {
    return new URL(baseUrl).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}
