/** Builds the auth strategy a connection's `authType` asks for. */
import { RestError } from '../errors';
import type { ConnectionCredentials, ConnectionProperties } from '../types';
import type { AuthContext } from './auth-context';
import { createDigestAuth } from './digest/digest-auth';
import { createOAuth2Auth } from './oauth2';
import { createApiKeyAuth, createBasicAuth, createBearerAuth, noAuth } from './static';
import type { AuthStrategy } from './strategy';

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
    case 'digest':
      return createDigestAuth(credentials);
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
