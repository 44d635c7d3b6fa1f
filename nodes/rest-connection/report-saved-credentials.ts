/**
 * Keeps an OAuth2 connection told which refresh token Node-RED has saved in flows_cred.json, so
 * that a later start can tell a token the connection obtained itself from one the user deployed.
 */
import type { NodeAPI } from 'node-red';
import { OAuth2Auth } from '../../lib/auth/oauth2';
import type { ConnectionCredentials } from '../../lib/types';
import type { RestConnectionNode } from '../shared/connection-node';

/**
 * After every deploy (and at start) flows_cred.json holds what Node-RED's in-memory credentials
 * hold, including a refresh token the connection obtained and wrote there: tells the connection,
 * so a later start does not take that token for one the user deployed. Returns the unsubscribe.
 */
export function reportSavedCredentials(
  RED: NodeAPI,
  node: RestConnectionNode,
  expand: (credentials: ConnectionCredentials) => ConnectionCredentials,
): () => void {
  const onFlowsStarted = () => {
    const saved = expand({ ...((RED.nodes.getCredentials(node.id) ?? {}) as ConnectionCredentials) });
    node
      .getClient()
      .then((client) =>
        client.auth instanceof OAuth2Auth ? client.auth.credentialsSaved(saved.refreshToken) : undefined,
      )
      .catch(() => undefined); // a connection that cannot start says so itself
  };
  RED.events.on('flows:started', onFlowsStarted);
  return () => RED.events.removeListener('flows:started', onFlowsStarted);
}
