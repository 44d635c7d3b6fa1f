/**
 * The one way a connection's RestClient is built from Node-RED settings, for the deployed
 * connection (rest-connection.ts) and for the edit dialog's Test and Preview (dialog-routes.ts):
 * the settings read over the documented defaults with `${ENV}` expanded, the credentials
 * expanded, and, for a deployed connection only, the durable token store and the shared store.
 */
import type { Node, NodeAPI } from 'node-red';
import { connectionDefaults } from '../../lib/definitions';
import { RestClient, type ClientOptions } from '../../lib/http/rest-client';
import type { ConnectionCredentials, ConnectionProperties } from '../../lib/types';
import { envLookup, expandEnvDeep } from '../shared/env';
import { readSettings } from '../shared/read-settings';
import { sharedStoreSettings, tokenStoreSettings } from './token-store-settings';

export interface ConnectionSettings {
  props: ConnectionProperties;
  credentials: ConnectionCredentials;
}

/**
 * A connection's settings as the runtime uses them. `node` gives the `${ENV}` lookup (flow and
 * group env); without one, the process environment.
 */
export function readConnectionSettings(
  RED: NodeAPI,
  node: Node | undefined,
  config: Partial<Record<keyof ConnectionProperties, unknown>>,
  credentials: ConnectionCredentials,
): ConnectionSettings {
  const lookup = node ? envLookup(RED, node) : (name: string) => process.env[name];
  return {
    props: readSettings(connectionDefaults, config, lookup),
    credentials: expandEnvDeep({ ...credentials }, lookup),
  };
}

export interface ConnectionClientOptions extends Pick<ClientOptions, 'warn' | 'onStateChange'> {
  connectionId: string;
  /**
   * The deployed connection: tokens kept across restarts and shared through settings.js's store.
   * A dialog's client keeps its tokens in memory only, so it never replaces a deployed one's.
   */
  deployed: boolean;
}

export function createConnectionClient(
  RED: NodeAPI,
  settings: ConnectionSettings,
  options: ConnectionClientOptions,
): Promise<RestClient> {
  return RestClient.create(settings.props, settings.credentials, {
    connectionId: options.connectionId,
    warn: options.warn,
    onStateChange: options.onStateChange,
    ...(options.deployed ? { tokenStore: tokenStoreSettings(RED), store: sharedStoreSettings(RED) } : {}),
  });
}
