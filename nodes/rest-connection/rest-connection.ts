/**
 * The `rest-connection` config node: holds the settings and secrets of one API and owns the
 * one RestClient (got instance, agents, token cache) every node using it shares.
 */
import type { NodeAPI, NodeDef } from 'node-red';
import { isRestError } from '../../lib/errors';
import type { RestClient } from '../../lib/http/rest-client';
import { SecretRedactor } from '../../lib/redact';
import { connectionCredentialTypes } from '../../lib/definitions';
import type { ConnectionCredentials, ConnectionProperties } from '../../lib/types';
import type { ConnectionState, RestConnectionNode } from '../shared/connection-node';
import { envLookup, expandEnvDeep } from '../shared/env';
import { registerAdminRoutes } from './admin-routes';
import { createConnectionClient, readConnectionSettings } from './create-connection-client';
import { registerDialogRoutes } from './dialog-routes';
import { reportSavedCredentials } from './report-saved-credentials';
import { forgetStoredTokens } from './token-store-settings';
import type { StoreWarn } from '../../lib/shared-store/redis-connection';
import { translator } from '../shared/translate';
import { stateText } from './state-text';

type ConnectionDef = NodeDef & Partial<ConnectionProperties>;

export = function registerRestConnection(RED: NodeAPI): void {
  const _ = translator(RED, 'rest-connection');
  function RestConnection(this: RestConnectionNode, config: ConnectionDef): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const lookup = envLookup(RED, node);
    const settings = readConnectionSettings(RED, node, config, node.credentials ?? {});
    node.props = settings.props;
    const { credentials } = settings;
    node.credentialsInUse = credentials;
    const listeners = new Set<(state: ConnectionState) => void>();
    const secretsOut = new SecretRedactor();
    for (const [name, type] of Object.entries(connectionCredentialTypes)) {
      if (type === 'password') secretsOut.add(credentials[name as keyof ConnectionCredentials]);
    }
    let client: Promise<RestClient> | undefined;

    node.onStateChange = (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    };

    // States come from lib/ in English; the nodes show them in Node-RED's language.
    const tellState = (state: ConnectionState) => {
      const shown = { ...state, text: stateText(state.text, _) };
      listeners.forEach((listener) => listener(shown));
    };
    // The shared store (Redis) going away or coming back: said once in the log, and shown on the nodes.
    const warn: StoreWarn = (message, event) => {
      node.warn(message);
      if (event === 'unreachable') tellState({ level: 'warning', text: _('rest-connection.status.sharedStoreDown') });
      if (event === 'reachable') tellState({ level: 'ok', text: _('rest-connection.status.sharedStoreBack') });
    };

    node.getClient = () => {
      if (!client) {
        client = Promise.resolve().then(() =>
          createConnectionClient(RED, settings, {
            connectionId: node.id,
            deployed: true,
            warn,
            onStateChange: tellState,
          }),
        );
        // Said once, by the connection; the nodes using it show the code in their status.
        client.catch((err: unknown) =>
          node.warn(isRestError(err) ? err.redact(secretsOut).message : secretsOut.redact(String(err))),
        );
      }
      return client;
    };

    const stopReporting = reportSavedCredentials(RED, node, (saved) => expandEnvDeep(saved, lookup));

    node.on('close', (removed: boolean, done: () => void) => {
      stopReporting();
      listeners.clear();
      const closing = client;
      client = undefined;
      release(closing, removed, node.id).then(
        () => done(),
        () => done(),
      );
    });
  }

  /** Closes the client; a deleted connection's tokens do not outlive it on disk (after any write still in flight). */
  async function release(closing: Promise<RestClient> | undefined, removed: boolean, id: string): Promise<void> {
    await closing?.then((created) => created.close()).catch(() => undefined);
    if (removed) await forgetStoredTokens(RED, id).catch(() => undefined);
  }

  const credentials = Object.fromEntries(
    Object.entries(connectionCredentialTypes).map(([name, type]) => [name, { type }]),
  ) as Record<keyof ConnectionCredentials, { type: 'text' | 'password' }>;
  RED.nodes.registerType('rest-connection', RestConnection as never, { credentials });
  registerAdminRoutes(RED);
  registerDialogRoutes(RED);
};
