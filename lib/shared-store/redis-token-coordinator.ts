/**
 * A connection's OAuth2 tokens shared by several Node-RED instances through Redis.
 *
 * State per connection (keys under the store's keyPrefix): `tokens`, a hash of the sealed
 * tokens (encrypted exactly as the local file store does) and a random version; `lock`, the
 * refresh lock (SET NX PX: expires, so a crashed holder does not block the others);
 * `used`, HMAC fingerprints of the refresh tokens already exchanged.
 *
 * Only the lock holder calls the token endpoint; the others poll until the tokens changed and
 * take those. A refresh token whose fingerprint is in `used` is never handed out to be sent.
 *
 * Every write also goes to the local store (the instance's file), so a restart without Redis
 * still has the newest tokens. While Redis is down, the local store is used alone; when Redis
 * is back, what was obtained meanwhile is written there, unless another instance wrote newer
 * tokens in the meantime, which then win.
 */
import crypto from 'node:crypto';
import { RestError } from '../errors';
import type { StoredTokens } from '../oauth2/token-store';
import { RedisUnavailableError, type RedisConnection } from './redis-connection';
import { RELEASE_LOCK, MARK_USED, REMOVE_TOKENS, WRITE_TOKENS } from './redis-scripts';
import { openTokens, sealTokens } from './token-envelope';
import {
  KEPT_FINGERPRINTS,
  type LocalTokenCoordinator,
  type RefreshOptions,
  type TokenCoordinator,
} from './token-coordinator';

/** How often an instance waiting for another's refresh looks whether it is done. */
const LOCK_POLL_MS = 50;

interface Shared {
  tokens: StoredTokens | undefined;
  version: string;
}

export interface RedisTokenKeys {
  tokens: string;
  lock: string;
  used: string;
}

export class RedisTokenCoordinator implements TokenCoordinator {
  /** The Redis version this instance last read or wrote: tells on re-sync whether another instance wrote since. */
  private lastVersion = '';
  /** Tokens were written locally while Redis was down: they go to Redis when it is back. */
  private dirty = false;
  /** The Redis version the local copy holds: kept current, so an outage starts from the newest tokens. */
  private localCopyVersion = '';
  /** Versions this instance wrote lately: a write of its own is no conflict. */
  private readonly ownVersions: string[] = [];
  private resyncing?: Promise<void>;
  private readonly stopListening: () => void;

  constructor(
    private readonly redis: RedisConnection,
    private readonly keys: RedisTokenKeys,
    private readonly key: Buffer,
    private readonly local: LocalTokenCoordinator,
    private readonly warn: (message: string) => void,
  ) {
    this.stopListening = redis.onRecovered(() => void this.resync().catch(() => undefined));
  }

  /** Stops listening for Redis coming back. */
  close(): void {
    this.stopListening();
  }

  async load(): Promise<StoredTokens | undefined> {
    try {
      return (await this.readOrSeed()).tokens;
    } catch (err) {
      if (!(err instanceof RedisUnavailableError)) throw err;
      return this.local.load();
    }
  }

  async refresh(
    needed: (current: StoredTokens | undefined) => boolean,
    work: (current: StoredTokens | undefined) => Promise<StoredTokens>,
    options: RefreshOptions,
  ): Promise<StoredTokens | undefined> {
    // A slow command while Redis is still connected (a busy server) is no reason to refresh alone:
    // another instance may hold the lock and be refreshing, and the two would use one refresh token.
    const deadline = Date.now() + options.lockMs;
    for (;;) {
      try {
        return await this.refreshShared(needed, work, options);
      } catch (err) {
        if (!(err instanceof RedisUnavailableError)) throw err;
        if (!this.redis.connected || Date.now() > deadline) return this.refreshLocally(needed, work);
        await delay(LOCK_POLL_MS);
      }
    }
  }

  async save(tokens: StoredTokens): Promise<void> {
    await this.saveLocally(tokens);
    try {
      const current = await this.readShared();
      await this.writeShared(tokens, current, '*');
    } catch (err) {
      if (!(err instanceof RedisUnavailableError)) throw err;
      this.dirty = true;
    }
  }

  async remove(): Promise<void> {
    let current: Shared | undefined;
    try {
      current = await this.readShared();
    } catch {
      current = undefined;
    }
    await this.local.remove().catch(() => undefined);
    try {
      const retired = current?.tokens?.refreshToken ? this.local.fingerprint(current.tokens.refreshToken) : '';
      await this.redis.script(REMOVE_TOKENS, [this.keys.tokens, this.keys.used], [retired, KEPT_FINGERPRINTS]);
      this.lastVersion = '';
    } catch (err) {
      if (!(err instanceof RedisUnavailableError)) throw err;
      this.dirty = true;
    }
  }

  async wasUsed(refreshToken: string): Promise<boolean> {
    if (await this.local.wasUsed(refreshToken)) return true;
    try {
      return (await this.redis.command(['ZSCORE', this.keys.used, this.local.fingerprint(refreshToken)])) !== null;
    } catch (err) {
      if (!(err instanceof RedisUnavailableError)) throw err;
      return false;
    }
  }

  private async refreshShared(
    needed: (current: StoredTokens | undefined) => boolean,
    work: (current: StoredTokens | undefined) => Promise<StoredTokens>,
    { lockMs }: RefreshOptions,
  ): Promise<StoredTokens | undefined> {
    const owner = crypto.randomUUID();
    // The lock expires after lockMs: by then this instance takes it over. Twice that, and more, means something is wrong.
    const deadline = Date.now() + 2 * lockMs + 5000;
    for (;;) {
      const current = await this.readOrSeed();
      if (!needed(current.tokens)) return current.tokens;
      const locked = await this.redis.command(['SET', this.keys.lock, owner, 'NX', 'PX', String(Math.ceil(lockMs))]);
      if (locked === 'OK') return this.refreshAsHolder(owner, needed, work);
      if (Date.now() > deadline) {
        throw new RestError(
          'ERR_AUTH',
          `Another Node-RED instance holds the token refresh lock of this connection and has not stored new tokens for ${Math.round((2 * lockMs + 5000) / 1000)} s; try again.`,
        );
      }
      await delay(LOCK_POLL_MS);
    }
  }

  private async refreshAsHolder(
    owner: string,
    needed: (current: StoredTokens | undefined) => boolean,
    work: (current: StoredTokens | undefined) => Promise<StoredTokens>,
  ): Promise<StoredTokens | undefined> {
    try {
      // Read again under the lock: the previous holder may have finished just before.
      const latest = await this.readShared();
      if (!needed(latest.tokens)) return latest.tokens;
      const usable = await this.withoutUsedRefreshToken(latest.tokens);
      // From here the token endpoint may have rotated the refresh token: the result must never be lost.
      const result = await work(usable);
      await this.storeObtained(result, latest);
      return result;
    } finally {
      await this.redis.script(RELEASE_LOCK, [this.keys.lock], [owner]).catch(() => undefined);
    }
  }

  /** Stores what the token endpoint answered: locally first, then in Redis (or later, when Redis is back). */
  private async storeObtained(tokens: StoredTokens, previous: Shared): Promise<void> {
    await this.saveLocally(tokens, previous.tokens);
    try {
      const written = await this.writeShared(tokens, previous, previous.version);
      if (!written) {
        const stored = await this.readShared();
        if (!this.ownVersions.includes(stored.version)) {
          this.warn(
            'Shared store: another Node-RED instance stored new tokens for this connection while this one was obtaining them (the refresh lock ran out: the token endpoint took longer than the connection timeout). The newest tokens are kept.',
          );
        }
        await this.writeShared(tokens, stored, '*');
      }
    } catch (err) {
      if (!(err instanceof RedisUnavailableError)) throw err;
      this.dirty = true;
    }
  }

  /** While Redis is down: this instance alone, as without a shared store. */
  private async refreshLocally(
    needed: (current: StoredTokens | undefined) => boolean,
    work: (current: StoredTokens | undefined) => Promise<StoredTokens>,
  ): Promise<StoredTokens | undefined> {
    return this.local.refresh(needed, async (current) => {
      const result = await work(current);
      this.dirty = true;
      return result;
    });
  }

  private async saveLocally(tokens: StoredTokens, previous?: StoredTokens): Promise<void> {
    try {
      await this.local.save(tokens, previous);
    } catch (err) {
      this.warn(`Shared store: could not keep a local copy of the tokens (${(err as Error).message}).`);
    }
  }

  private async withoutUsedRefreshToken(tokens: StoredTokens | undefined): Promise<StoredTokens | undefined> {
    if (!tokens?.refreshToken || !(await this.wasUsed(tokens.refreshToken))) return tokens;
    return { ...tokens, refreshToken: undefined };
  }

  /** The shared tokens; when Redis has none but this instance has local ones (first start, Redis emptied), those are offered. */
  private async readOrSeed(): Promise<Shared> {
    if (this.dirty) await this.resync();
    const shared = await this.readShared();
    if (shared.version) {
      if (shared.tokens && shared.version !== this.localCopyVersion) {
        await this.saveLocally(shared.tokens);
        this.localCopyVersion = shared.version;
      }
      return shared;
    }
    const local = await this.local.load().catch(() => undefined);
    if (!local) return shared;
    if (await this.writeShared(local, shared, '')) return { tokens: local, version: this.lastVersion };
    return this.readShared();
  }

  private async readShared(): Promise<Shared> {
    const [data, version] = (await this.redis.command(['HMGET', this.keys.tokens, 'data', 'version'])) as [
      string | null,
      string | null,
    ];
    if (!data || !version) return { tokens: undefined, version: '' };
    let tokens: StoredTokens | undefined;
    try {
      tokens = openTokens(this.key, data);
    } catch {
      throw new RestError(
        'ERR_CONFIG',
        'Shared store: the tokens in Redis cannot be decrypted: the Node-RED instances sharing it must have the same credentialSecret in settings.js.',
      );
    }
    this.lastVersion = version;
    return { tokens, version };
  }

  /** Writes if Redis still holds `expected` ('*': whatever it holds); false when another write came first. */
  private async writeShared(tokens: StoredTokens, previous: Shared, expected: string): Promise<boolean> {
    const version = crypto.randomUUID();
    const before = previous.tokens?.refreshToken;
    const retired = before && before !== tokens.refreshToken ? this.local.fingerprint(before) : '';
    const [written] = (await this.redis.script(
      WRITE_TOKENS,
      [this.keys.tokens, this.keys.used],
      [expected, sealTokens(this.key, tokens), version, retired, KEPT_FINGERPRINTS],
    )) as [number, string];
    if (written !== 1) return false;
    this.ownVersions.unshift(version);
    this.ownVersions.length = Math.min(this.ownVersions.length, 10);
    this.lastVersion = version;
    this.localCopyVersion = version;
    return true;
  }

  /**
   * Redis is back after tokens changed locally: they go to Redis unless another instance wrote
   * there meanwhile tokens obtained later than these (those then win, and this instance takes
   * them). Refresh tokens used meanwhile are recorded first, either way.
   */
  private resync(): Promise<void> {
    this.resyncing ??= this.doResync().finally(() => (this.resyncing = undefined));
    return this.resyncing;
  }

  private async doResync(): Promise<void> {
    if (!this.dirty) return;
    const used = this.local.usedFingerprints();
    if (used.length > 0) await this.redis.script(MARK_USED, [this.keys.used], [KEPT_FINGERPRINTS, ...used]);
    const seenBefore = this.lastVersion;
    const shared = await this.readShared();
    const local = await this.local.load().catch(() => undefined);
    const unchanged = !shared.version || shared.version === seenBefore;
    if (unchanged && !local) {
      await this.redis.script(REMOVE_TOKENS, [this.keys.tokens, this.keys.used], ['', KEPT_FINGERPRINTS]);
    } else if (local && (unchanged || obtainedAt(local) > obtainedAt(shared.tokens))) {
      // Redis restarted empty and another instance seeded an older copy: still, the newest tokens win.
      await this.writeShared(local, shared, shared.version);
    } else if (shared.tokens) {
      await this.saveLocally(shared.tokens, local);
      this.localCopyVersion = shared.version;
    }
    this.dirty = false;
  }
}

function obtainedAt(tokens: StoredTokens | undefined): number {
  return tokens?.obtainedAt ?? tokens?.savedAt ?? 0;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
