/**
 * Where a connection's OAuth2 tokens live, and who may obtain new ones: the token coordinator.
 * The TokenManager asks it instead of the durable store. This local one serves one Node-RED
 * instance (the durable file store, refreshes one after the other within the process); the
 * Redis one (redis-token-coordinator.ts) serves several instances with the same interface.
 */
import crypto from 'node:crypto';
import type { DurableTokenStore, StoredTokens } from '../oauth2/token-store';
import { refreshTokenFingerprint } from './token-envelope';

export interface RefreshOptions {
  /**
   * The longest obtaining tokens may take (the token request's timeout and some margin). The
   * refresh lock of a Redis store expires after it, so a crashed holder never blocks the others.
   */
  lockMs: number;
}

export interface TokenCoordinator {
  /** The current tokens; undefined when there are none. */
  load(): Promise<StoredTokens | undefined>;
  /**
   * Obtains tokens with at most one token request at a time for the connection (across all
   * instances with a shared store). `needed(current)` is asked with the newest tokens, under
   * the lock: when another caller has just obtained good ones, it says false and those are
   * returned without a request. Otherwise `work(current)` makes the request; what it returns
   * is stored and returned. A refresh token that was used already (by any instance) is never
   * handed to `work`: it gets the tokens without it.
   */
  refresh(
    needed: (current: StoredTokens | undefined) => boolean,
    work: (current: StoredTokens | undefined) => Promise<StoredTokens>,
    options: RefreshOptions,
  ): Promise<StoredTokens | undefined>;
  /** Stores tokens obtained otherwise (authorization code login), or an empty entry after a refusal. */
  save(tokens: StoredTokens): Promise<void>;
  /** Forgets the tokens (revoked, or the connection was deleted). */
  remove(): Promise<void>;
  /** True when this refresh token was already exchanged for a new one: sending it again would be a reuse. */
  wasUsed(refreshToken: string): Promise<boolean>;
}

/** Fingerprints of used refresh tokens kept; a refresh token is used once, so old ones only matter for a while. */
export const KEPT_FINGERPRINTS = 1000;

/** One instance's tokens: in the durable file store when there is one, in memory otherwise. */
export class LocalTokenCoordinator implements TokenCoordinator {
  private memory?: StoredTokens;
  private readonly used = new Set<string>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly key: Buffer;

  constructor(
    private readonly file: DurableTokenStore | undefined,
    key?: Buffer,
  ) {
    // Without the credential secret, fingerprints are only ever compared within this process.
    this.key = key ?? crypto.randomBytes(32);
  }

  async load(): Promise<StoredTokens | undefined> {
    return this.file ? this.file.load() : this.memory;
  }

  refresh(
    needed: (current: StoredTokens | undefined) => boolean,
    work: (current: StoredTokens | undefined) => Promise<StoredTokens>,
  ): Promise<StoredTokens | undefined> {
    const run = async () => {
      const current = await this.load();
      if (!needed(current)) return current;
      const result = await work(this.withoutUsedRefreshToken(current));
      await this.save(result, current);
      return result;
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** `previous`: the tokens these replace, when the caller read them already. */
  async save(tokens: StoredTokens, previous?: StoredTokens): Promise<void> {
    const before = previous ?? (await this.load().catch(() => undefined));
    this.retire(before?.refreshToken, tokens.refreshToken);
    if (this.file) await this.file.save(tokens);
    else this.memory = tokens;
  }

  async remove(): Promise<void> {
    const before = await this.load().catch(() => undefined);
    this.retire(before?.refreshToken, undefined);
    this.memory = undefined;
    await this.file?.remove();
  }

  wasUsed(refreshToken: string): Promise<boolean> {
    return Promise.resolve(this.used.has(this.fingerprint(refreshToken)));
  }

  /** The fingerprints this instance recorded (the Redis store sends them on when Redis is back). */
  usedFingerprints(): string[] {
    return [...this.used];
  }

  fingerprint(refreshToken: string): string {
    return refreshTokenFingerprint(this.key, refreshToken);
  }

  withoutUsedRefreshToken(tokens: StoredTokens | undefined): StoredTokens | undefined {
    if (!tokens?.refreshToken || !this.used.has(this.fingerprint(tokens.refreshToken))) return tokens;
    return { ...tokens, refreshToken: undefined };
  }

  /** A refresh token replaced by another (or dropped) counts as used: it is never sent again. */
  private retire(previous: string | undefined, next: string | undefined): void {
    if (!previous || previous === next) return;
    this.used.add(this.fingerprint(previous));
    if (this.used.size > KEPT_FINGERPRINTS) this.used.delete(this.used.values().next().value as string);
  }
}
