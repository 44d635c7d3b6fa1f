/**
 * Which proxy, if any, a request goes through. With `useProxy` the connection's own proxy
 * and `noProxy` apply; otherwise the environment's HTTP_PROXY / HTTPS_PROXY / ALL_PROXY /
 * NO_PROXY (lower case first, as Node-RED's http request node and curl read them).
 */
import { RestError } from '../errors';
import { NoProxyList } from './no-proxy';
import { PROXY_AUTH_SCHEMES, ProxyAuthenticator, type ProxyAuthScheme } from './proxy-auth/proxy-authenticator';
import { ProxyCredentials } from './proxy-auth/proxy-credentials';
import type { TransportSettings } from './settings';

export interface ProxyEndpoint {
  /** Where it was configured ('proxyUrl' or the environment variable): tells endpoints apart. */
  id: string;
  /** The proxy's URL, without credentials. */
  url: URL;
  /** Safe to show: protocol, host and port only. */
  label: string;
  /** Answers the proxy's authentication; holds its credentials (out of sight of util.inspect). */
  auth: ProxyAuthenticator;
}

interface ConfiguredCredentials {
  username: string;
  password: string;
}

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

export class ProxyRules {
  private constructor(
    private readonly forHttp: ProxyEndpoint | undefined,
    private readonly forHttps: ProxyEndpoint | undefined,
    private readonly noProxy: NoProxyList,
  ) {}

  /** Throws RestError ERR_CONFIG when a proxy URL cannot be used. */
  static from(settings: TransportSettings, env: NodeJS.ProcessEnv): ProxyRules {
    const auth: AuthSettings = {
      configured: configuredCredentials(settings),
      domain: settings.proxyDomain?.trim() ?? '',
      scheme: authScheme(settings.proxyAuthScheme),
    };
    if (settings.useProxy) {
      if (!settings.proxyUrl?.trim()) {
        throw new RestError('ERR_CONFIG', 'useProxy is on but proxyUrl is empty: enter the proxy as http://host:port');
      }
      const proxy = parseProxy(settings.proxyUrl, 'proxyUrl', 'the proxyUrl setting', auth);
      return new ProxyRules(proxy, proxy, new NoProxyList(settings.noProxy));
    }
    const fromEnv = (names: string[]): ProxyEndpoint | undefined => {
      const name = names.find((candidate) => env[candidate]?.trim());
      if (!name) return undefined;
      const source = `the ${name} environment variable`;
      return parseProxy(env[name] as string, name, source, auth);
    };
    return new ProxyRules(
      fromEnv(['http_proxy', 'HTTP_PROXY', 'all_proxy', 'ALL_PROXY']),
      fromEnv(['https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY']),
      new NoProxyList(env.no_proxy ?? env.NO_PROXY),
    );
  }

  /**
   * Every proxy password in use (also from proxy URLs in the environment) and the header value
   * that carries it, for redaction. Computed on demand, so no endpoint (which errors may
   * reference) holds a password in clear.
   */
  secrets(): string[] {
    return [this.forHttp, this.forHttps].flatMap((endpoint) => endpoint?.auth.secrets() ?? []);
  }

  /** The proxy for a request to `target`, or undefined to connect directly. */
  proxyFor(target: URL): ProxyEndpoint | undefined {
    const proxy = target.protocol === 'https:' ? this.forHttps : this.forHttp;
    if (!proxy) return undefined;
    const port = Number(target.port) || DEFAULT_PORTS[target.protocol] || 0;
    return this.noProxy.bypasses(target.hostname, port) ? undefined : proxy;
  }
}

interface AuthSettings {
  configured: ConfiguredCredentials | undefined;
  domain: string;
  scheme: ProxyAuthScheme;
}

function configuredCredentials(settings: TransportSettings): ConfiguredCredentials | undefined {
  const username = settings.proxyUsername?.trim();
  return username ? { username, password: settings.proxyPassword ?? '' } : undefined;
}

/** proxyAuthScheme, `auto` when unset (flows saved before it existed). */
function authScheme(setting: string | undefined): ProxyAuthScheme {
  const scheme = setting?.trim() || 'auto';
  if ((PROXY_AUTH_SCHEMES as readonly string[]).includes(scheme)) return scheme as ProxyAuthScheme;
  throw new RestError('ERR_CONFIG', `proxyAuthScheme "${scheme}" is not one of ${PROXY_AUTH_SCHEMES.join(', ')}`);
}

/**
 * Parses a proxy URL; a bare `host:port` means an HTTP proxy. Credentials in the URL are used
 * unless the connection has its own proxyUsername. The URL itself is never echoed in an
 * error: it may hold a password.
 */
function parseProxy(text: string, id: string, source: string, auth: AuthSettings): ProxyEndpoint {
  const trimmed = text.trim();
  let url: URL;
  try {
    url = new URL(trimmed.includes('://') ? trimmed : `http://${trimmed}`);
  } catch {
    throw new RestError('ERR_CONFIG', `${capitalize(source)} is not a valid proxy URL: expected http://host:port`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RestError(
      'ERR_CONFIG',
      `${capitalize(source)} must start with http:// or https:// (${url.protocol.replace(':', '')} proxies are not supported)`,
    );
  }
  if (!url.hostname) {
    throw new RestError('ERR_CONFIG', `${capitalize(source)} has no host: expected http://host:port`);
  }
  const credentials = auth.configured ?? credentialsInUrl(url);
  url.username = '';
  url.password = '';
  const label = `${url.protocol}//${url.host}`;
  const proxyCredentials = credentials
    ? new ProxyCredentials(credentials.username, credentials.password, auth.domain)
    : undefined;
  return { id, url, label, auth: new ProxyAuthenticator(auth.scheme, proxyCredentials) };
}

function credentialsInUrl(url: URL): ConfiguredCredentials | undefined {
  if (!url.username) return undefined;
  return { username: safeDecode(url.username), password: safeDecode(url.password) };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
