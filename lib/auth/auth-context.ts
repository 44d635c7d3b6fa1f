/** What an auth strategy may need beyond the connection's own settings. */
import type { SecretRedactor } from '../redact';
import type { Transport } from '../transport';
import type { ObtainedTokens } from '../oauth2/token-manager';
import type { TokenStoreSettings } from '../oauth2/token-store';
import type { TokenCoordinator } from '../shared-store/token-coordinator';

export interface AuthContext {
  /** Id of the connection node: the key of its durable token store entry. */
  connectionId: string;
  /** Agents (proxy, TLS) that token requests must use, like API requests. */
  transport: Transport;
  /** Register every secret obtained at runtime (tokens) so no message shows it. */
  redactor: SecretRedactor;
  warn: (message: string) => void;
  /** Where and how OAuth2 tokens are kept across restarts; absent in plain lib use. */
  tokenStore?: OAuth2TokenStoreSettings;
  /**
   * With a shared store (settings.js restConnection.store, Redis): the tokens several Node-RED
   * instances share, refreshed under one lock. Asked for by OAuth2 only.
   */
  sharedTokens?: () => TokenCoordinator;
  /** Tells the node layer about a state the user should see (e.g. "authorization needed"). */
  onStateChange?: (state: { level: 'ok' | 'warning' | 'error'; text: string }) => void;
}

/**
 * What the node layer may add to the token store settings: a way to keep Node-RED's
 * in-memory credentials in step with rotated tokens (RED.nodes.addCredentials).
 */
export interface OAuth2TokenStoreSettings extends TokenStoreSettings {
  onTokensChanged?: (connectionId: string, tokens: ObtainedTokens) => void;
}
