/**
 * Storage for one test OpenID Provider: its own Map, gone with the provider. oidc-provider's
 * built-in memory adapter keeps every provider of the process in one shared LRU of 1000 entries
 * (a busy test could evict another test's grants) and warns on every start.
 *
 *   new Provider(issuer, { adapter: memoryStore(), … });
 */
import type { Adapter, AdapterFactory, AdapterPayload } from 'oidc-provider' with { 'resolution-mode': 'import' };

/** Models whose records belong to a grant and die when it is revoked. */
const GRANT_MEMBERS = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);

interface Entry {
  payload: AdapterPayload;
  /** Epoch milliseconds, or Infinity. */
  expiresAt: number;
}

/** A fresh, empty store: pass it as the provider's `adapter`. */
export function memoryStore(): AdapterFactory {
  const entries = new Map<string, Entry>();
  /** grantId → keys of its members; userCode and session uid → key. */
  const grants = new Map<string, Set<string>>();
  const lookups = new Map<string, string>();

  const read = (key: string | undefined): AdapterPayload | undefined => {
    const entry = key === undefined ? undefined : entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt > Date.now()) return entry.payload;
    entries.delete(key!);
    return undefined;
  };

  return (model: string): Adapter => {
    const keyOf = (id: string) => `${model}:${id}`;
    return {
      upsert(id, payload, expiresIn) {
        const key = keyOf(id);
        const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : Infinity;
        entries.set(key, { payload, expiresAt });
        if (GRANT_MEMBERS.has(model) && payload.grantId) {
          const members = grants.get(payload.grantId) ?? new Set<string>();
          grants.set(payload.grantId, members.add(key));
        }
        if (payload.userCode) lookups.set(`userCode:${payload.userCode}`, key);
        if (model === 'Session' && payload.uid) lookups.set(`uid:${payload.uid}`, key);
        return Promise.resolve();
      },
      find(id) {
        return Promise.resolve(read(keyOf(id)));
      },
      findByUserCode(userCode) {
        return Promise.resolve(read(lookups.get(`userCode:${userCode}`)));
      },
      findByUid(uid) {
        return Promise.resolve(read(lookups.get(`uid:${uid}`)));
      },
      consume(id) {
        const payload = read(keyOf(id));
        if (payload) payload.consumed = Math.floor(Date.now() / 1000);
        return Promise.resolve();
      },
      destroy(id) {
        entries.delete(keyOf(id));
        return Promise.resolve();
      },
      revokeByGrantId(grantId) {
        for (const key of grants.get(grantId) ?? []) entries.delete(key);
        grants.delete(grantId);
        return Promise.resolve();
      },
    };
  };
}
