/**
 * Network transport of one connection: keep-alive agents (direct or through a proxy) with
 * the connection's TLS settings baked in, so got (API requests) and @hapi/wreck (OAuth2 token
 * requests through simple-oauth2) reach the network the same way.
 *
 * PLACEHOLDER: the proxy/TLS work replaces this file; the exported names stay.
 */
import http from 'node:http';
import https from 'node:https';
import type { ConnectionCredentials, ConnectionProperties } from '../types';

export type TransportSettings = Pick<
  ConnectionProperties,
  | 'useProxy'
  | 'proxyUrl'
  | 'proxyDomain'
  | 'noProxy'
  | 'tlsMinVersion'
  | 'tlsVerify'
  | 'tlsServerName'
  | 'caCertPath'
  | 'clientCertPath'
  | 'clientKeyPath'
  | 'timeout'
> &
  Pick<ConnectionCredentials, 'caCert' | 'clientCert' | 'clientKey' | 'passphrase' | 'proxyUsername' | 'proxyPassword'>;

export interface AgentPair {
  http: http.Agent;
  https: https.Agent;
}

export interface TransportOptions {
  /** Defaults to process.env: HTTP_PROXY / HTTPS_PROXY / NO_PROXY apply when useProxy is off. */
  env?: NodeJS.ProcessEnv;
  /** Called once for a setting the user should know about (e.g. tlsVerify off). */
  warn?: (message: string) => void;
}

export class Transport {
  private readonly direct: AgentPair;

  /** Throws RestError ERR_CONFIG / ERR_TLS for settings that cannot work. */
  constructor(settings: TransportSettings, options: TransportOptions = {}) {
    void settings;
    void options;
    this.direct = {
      http: new http.Agent({ keepAlive: true }),
      https: new https.Agent({ keepAlive: true }),
    };
  }

  /** The agents for a request to `url` (proxy or direct, per NO_PROXY); created once and reused. */
  agentsFor(url: URL): AgentPair {
    void url;
    return this.direct;
  }

  /** Maps a low-level network error (TLS, proxy) to a RestError, or returns undefined. */
  classifyError(err: unknown): undefined {
    void err;
    return undefined;
  }

  destroy(): void {
    this.direct.http.destroy();
    this.direct.https.destroy();
  }
}
