/** Builds the auth strategy a connection's `authType` asks for. */
import { RestError } from '../errors';
import type { SecretRedactor } from '../redact';
import type { Transport } from '../transport';
import type { ConnectionCredentials, ConnectionProperties } from '../types';
import { createOAuth2Auth, type OAuth2TokenStoreSettings } from './oauth2';
import { createApiKeyAuth, createBasicAuth, createBearerAuth, noAuth } from './static';
import type { AuthStrategy } from './strategy';

/** What a strategy may need beyond the connection's own settings. */
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
  /** Tells the node layer about a state the user should see (e.g. "authorization needed"). */
  onStateChange?: (state: { level: 'ok' | 'warning' | 'error'; text: string }) => void;
}

export type { AuthStrategy } from './strategy';

export function createAuthStrategy(
  props: ConnectionProperties,
  credentials: ConnectionCredentials,
  context: AuthContext,
): AuthStrategy {
  switch (props.authType) {
    case 'none':
    case undefined:
    case '' as never:
      return noAuth;
    case 'basic':
      return createBasicAuth(credentials, context.redactor);
    case 'bearer':
      return createBearerAuth(props, credentials);
    case 'apiKey':
      return createApiKeyAuth(props, credentials);
    case 'oauth2':
      return createOAuth2Auth(props, credentials, context);
    default:
      throw new RestError('ERR_CONFIG', `Unknown authType "${String(props.authType)}".`);
  }
}
