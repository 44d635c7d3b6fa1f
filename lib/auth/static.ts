/**
 * The auth types whose credentials never change while a connection runs: none, basic,
 * bearer (a static token in a configurable header, with or without a prefix) and API key.
 */
import { RestError } from '../errors';
import type { SecretRedactor } from '../redact';
import type { ConnectionCredentials, ConnectionProperties } from '../types';
import type { AuthStrategy, OutgoingRequest } from './strategy';

export const noAuth: AuthStrategy = {
  credentialHeaders: [],
  credentialQueryParams: [],
  apply() {},
};

/** `Bearer abc`, or the raw token when the prefix is empty ("is bearer token" unticked). */
export function tokenHeaderValue(prefix: string, token: string): string {
  const trimmed = prefix.trim();
  return trimmed ? `${trimmed} ${token}` : token;
}

export function createBasicAuth(credentials: ConnectionCredentials, redactor?: SecretRedactor): AuthStrategy {
  if (!credentials.username) throw new RestError('ERR_CONFIG', 'Basic authentication needs a username.');
  const encoded = Buffer.from(`${credentials.username}:${credentials.password ?? ''}`).toString('base64');
  // The header carries the password base64-encoded with the user name: a body that echoes it must not show it.
  redactor?.add(encoded);
  return {
    credentialHeaders: ['authorization'],
    credentialQueryParams: [],
    apply(request: OutgoingRequest) {
      request.headers['authorization'] = `Basic ${encoded}`;
    },
  };
}

export function createBearerAuth(props: ConnectionProperties, credentials: ConnectionCredentials): AuthStrategy {
  if (!credentials.token) throw new RestError('ERR_CONFIG', 'Bearer authentication needs a token.');
  const header = (props.tokenHeader || 'Authorization').toLowerCase();
  const value = tokenHeaderValue(props.tokenPrefix ?? '', credentials.token);
  return {
    credentialHeaders: [header, 'authorization'],
    credentialQueryParams: [],
    apply(request: OutgoingRequest) {
      request.headers[header] = value;
    },
  };
}

export function createApiKeyAuth(props: ConnectionProperties, credentials: ConnectionCredentials): AuthStrategy {
  if (!credentials.apiKey) throw new RestError('ERR_CONFIG', 'API key authentication needs an API key.');
  if (!props.apiKeyName) throw new RestError('ERR_CONFIG', 'API key authentication needs the key name (apiKeyName).');
  const key = credentials.apiKey;
  if (props.apiKeyIn === 'query') {
    const name = props.apiKeyName;
    return {
      credentialHeaders: [],
      credentialQueryParams: [name],
      apply(request: OutgoingRequest) {
        request.url.searchParams.set(name, key);
      },
    };
  }
  const header = props.apiKeyName.toLowerCase();
  return {
    credentialHeaders: [header],
    credentialQueryParams: [],
    apply(request: OutgoingRequest) {
      request.headers[header] = key;
    },
  };
}
