/** PLACEHOLDER until the OAuth2 work lands: an oauth2 connection fails clearly. */
import { RestError } from '../errors';
import type { AuthContext } from './index';
import type { ConnectionCredentials, ConnectionProperties } from '../types';
import type { AuthStrategy } from './strategy';

export function createOAuth2Auth(
  props: ConnectionProperties,
  credentials: ConnectionCredentials,
  context: AuthContext,
): AuthStrategy {
  void props;
  void credentials;
  void context;
  throw new RestError('ERR_CONFIG', 'OAuth2 authentication is not available yet in this version.');
}
