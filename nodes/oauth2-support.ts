/**
 * PLACEHOLDER owned by the OAuth2 work: admin routes (authorize, callback, revoke, test,
 * discover) and where OAuth2 tokens are stored across restarts.
 */
import type { NodeAPI } from 'node-red';

export function registerAdminRoutes(RED: NodeAPI): void {
  void RED;
}

/** Directory and secret of the durable token store; undefined when there is no user directory. */
export function tokenStoreSettings(RED: NodeAPI): { directory: string; secret: string } | undefined {
  void RED;
  return undefined;
}
