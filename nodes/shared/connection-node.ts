/** What the flow nodes (and admin routes) may use of a deployed rest-connection config node. */
import type { Node } from 'node-red';
import type { RestClient } from '../../lib/http/rest-client';
import type { ConnectionCredentials, ConnectionProperties } from '../../lib/types';

export interface ConnectionState {
  level: 'ok' | 'warning' | 'error';
  text: string;
}

export interface RestConnectionNode extends Node<ConnectionCredentials> {
  props: ConnectionProperties;
  /** The credentials the client uses (`${ENV}` expanded); the edit dialog's Test compares its own with them. */
  credentialsInUse: ConnectionCredentials;
  /** The connection's one client, created on first use and shared by every node using it. */
  getClient(): Promise<RestClient>;
  /** Flow nodes subscribe to show states such as "authorization needed" in their status. */
  onStateChange(listener: (state: ConnectionState) => void): () => void;
}
