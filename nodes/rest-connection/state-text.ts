/**
 * The connection's states as its nodes show them: lib/ reports them in English (it knows nothing
 * of Node-RED's catalogs), and this maps each to its key in the connection's catalog.
 */
import type { Translate } from '../shared/translate';

/** lib/oauth2/token-manager.ts's state texts, and their catalog keys (test/nodes/state-text.test.ts keeps them in step). */
export const STATE_KEYS: Readonly<Record<string, string>> = {
  authorized: 'rest-connection.status.authorized',
  'authorization needed': 'rest-connection.status.authorizationNeeded',
  'waiting for device login': 'rest-connection.status.waitingForDeviceLogin',
  'device login denied': 'rest-connection.status.deviceLoginDenied',
  'device code expired': 'rest-connection.status.deviceCodeExpired',
  'device login failed': 'rest-connection.status.deviceLoginFailed',
};

/** The state's text in Node-RED's language; a text that is not one of lib/'s states (already translated) as it is. */
export function stateText(text: string, _: Translate): string {
  const key = STATE_KEYS[text];
  return key ? _(key) : text;
}
