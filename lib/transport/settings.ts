/** The settings and options a Transport is built from (a subset of the connection's). */
import type http from 'node:http';
import type https from 'node:https';
import type { ConnectionCredentials, ConnectionProperties } from '../types';

export type TransportSettings = Pick<
  ConnectionProperties,
  | 'useProxy'
  | 'proxyUrl'
  | 'proxyDomain'
  | 'proxyAuthScheme'
  | 'noProxy'
  | 'tlsMinVersion'
  | 'tlsVerify'
  | 'tlsServerName'
  | 'caCertPath'
  | 'clientCertPath'
  | 'clientKeyPath'
  | 'pfxPath'
  | 'timeout'
> &
  Pick<
    ConnectionCredentials,
    'caCert' | 'clientCert' | 'clientKey' | 'passphrase' | 'pfx' | 'proxyUsername' | 'proxyPassword'
  >;

export interface AgentPair {
  http: http.Agent;
  https: https.Agent;
}

export interface TransportOptions {
  /** Defaults to process.env: HTTP_PROXY / HTTPS_PROXY / NO_PROXY apply when useProxy is off. */
  env?: NodeJS.ProcessEnv;
  /** Called once for a setting the user should know about (e.g. tlsVerify off). */
  warn?: (message: string) => void;
  /**
   * The connection's baseUrl. When given, tlsServerName applies only to requests to its host,
   * so a token endpoint on another host is still verified against its own name.
   */
  baseUrl?: string | URL;
}
