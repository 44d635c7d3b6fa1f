/**
 * Reads settings.js `restConnection.store`: where the state that several Node-RED instances
 * share (tokens, refresh lock, limits) is kept. Absent or `{type: 'local'}`: each instance
 * keeps its own, as before. `{type: 'redis', url, keyPrefix}`: in that Redis.
 */
import { RestError } from '../errors';
import { textOf } from '../text-of';

export type StoreSettings = { type: 'local' } | { type: 'redis'; url: string; keyPrefix: string };

export const DEFAULT_KEY_PREFIX = 'rest-connection:';

export function readStoreSettings(value: unknown): StoreSettings {
  if (value === undefined || value === null) return { type: 'local' };
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw storeError('must be an object, e.g. { type: "redis", url: "redis://127.0.0.1:6379" }');
  }
  const { type, url, keyPrefix } = value as Record<string, unknown>;
  if (type === undefined || type === 'local') return { type: 'local' };
  if (type !== 'redis') throw storeError(`type must be "redis" or "local", not "${textOf(type).slice(0, 40)}"`);
  if (typeof url !== 'string' || !url) throw storeError('url is missing (e.g. "redis://127.0.0.1:6379")');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw storeError(`url "${safeStoreUrl(url)}" is not a URL (e.g. "redis://127.0.0.1:6379")`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw storeError(`url must start with redis:// or rediss:// (TLS), not ${parsed.protocol}//`);
  }
  if (!parsed.hostname) throw storeError('url has no host name');
  if (keyPrefix !== undefined && (typeof keyPrefix !== 'string' || /\s/.test(keyPrefix))) {
    throw storeError('keyPrefix must be a text without spaces (e.g. "rest-connection:")');
  }
  return { type: 'redis', url, keyPrefix: keyPrefix ?? DEFAULT_KEY_PREFIX };
}

/** The URL for messages: the password (and user name) replaced, so a log never shows them. */
export function safeStoreUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    if (parsed.username) parsed.username = '***';
    return parsed.href;
  } catch {
    // Not a URL: hide anything between "//" and "@".
    return url.replace(/\/\/[^@/]*@/, '//***@').slice(0, 200);
  }
}

function storeError(problem: string): RestError {
  return new RestError('ERR_CONFIG', `settings.js restConnection.store: ${problem}.`);
}
