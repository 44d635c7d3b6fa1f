/**
 * Where a connection's OAuth2 tokens are kept across restarts: an encrypted file per connection in
 * the user directory, with the key Node-RED encrypts its credentials with, deleted with the node.
 */
import path from 'node:path';
import type { NodeAPI } from 'node-red';
import type { OAuth2TokenStoreSettings } from '../../lib/auth/auth-context';
import { DurableTokenStore } from '../../lib/oauth2/token-store';
import { readStoreSettings, type StoreSettings } from '../../lib/shared-store/store-settings';

/**
 * Directory and secret of the durable token store; undefined when there is no user
 * directory or the user turned credential encryption off (`credentialSecret: false`):
 * tokens are then kept in memory only, never written in clear.
 */
export function tokenStoreSettings(RED: NodeAPI): OAuth2TokenStoreSettings | undefined {
  const settings = RED.settings as unknown as { userDir?: string };
  const secret = credentialSecret(RED);
  if (!settings.userDir || !secret) return undefined;
  return {
    directory: path.join(settings.userDir, 'rest-connection-tokens'),
    secret,
    // Node-RED cannot save credentials at runtime (node-red/node-red#1055); updating the
    // in-memory copy makes the next deploy write the rotated token to flows_cred.json.
    onTokensChanged: (connectionId, tokens) => {
      const current = (RED.nodes.getCredentials(connectionId) ?? {}) as Record<string, unknown>;
      void RED.nodes.addCredentials(connectionId, { ...current, ...tokens });
    },
  };
}

/**
 * settings.js `restConnection.store`: where the state several Node-RED instances share lives
 * (Redis), or `{type: 'local'}`. A wrong value throws ERR_CONFIG, which the connection reports.
 */
export function sharedStoreSettings(RED: NodeAPI): StoreSettings {
  const settings = RED.settings as unknown as { restConnection?: { store?: unknown } };
  return readStoreSettings(settings.restConnection?.store);
}

/**
 * Deletes a connection's durable tokens: for the close handler when the connection node is
 * removed (`removed === true`), so its tokens do not outlive it on disk. Runs after any write
 * still queued for that file. Nothing to do without a store or without a file.
 */
export async function forgetStoredTokens(RED: NodeAPI, connectionId: string): Promise<void> {
  const settings = tokenStoreSettings(RED);
  if (!settings) return;
  await new DurableTokenStore(settings, connectionId).remove();
}

/** The secret Node-RED encrypts flows_cred.json with: settings' credentialSecret, else the one it generated. */
function credentialSecret(RED: NodeAPI): string | undefined {
  const settings = RED.settings as unknown as { credentialSecret?: unknown; get?: (name: string) => unknown };
  const read = (name: string): unknown => {
    try {
      return settings.get?.(name);
    } catch {
      return undefined; // runtime settings not loaded (plain unit tests)
    }
  };
  const configured = 'credentialSecret' in settings ? settings.credentialSecret : read('credentialSecret');
  if (configured === false) return undefined;
  if (typeof configured === 'string' && configured) return configured;
  const generated = read('_credentialSecret');
  return typeof generated === 'string' && generated ? generated : undefined;
}
