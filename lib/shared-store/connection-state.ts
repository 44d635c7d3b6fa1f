/**
 * The state of one connection that Node-RED instances may share: its OAuth2 tokens (with the
 * refresh lock) and its request limiter. settings.js `restConnection.store` decides where it
 * lives: in this instance (the default), or in Redis for all instances running the same flows.
 * The client opens it when the connection starts and closes it when the connection closes.
 */
import { checkLimitSettings, type LimitSettings } from '../limits/limit-settings';
import { RequestLimiter } from '../limits/request-limiter';
import { DurableTokenStore } from '../oauth2/token-store';
import { RedisConnection, type StoreWarn } from './redis-connection';
import { RedisSlotGate } from './redis-slot-gate';
import { RedisTokenCoordinator } from './redis-token-coordinator';
import type { StoreSettings } from './store-settings';
import { LocalTokenCoordinator, type TokenCoordinator } from './token-coordinator';
import { tokenKey } from './token-envelope';

export interface ConnectionStateOptions {
  connectionId: string;
  limits: Partial<LimitSettings>;
  /**
   * Node-RED's credential secret. Without it (credentialSecret: false) tokens are never written
   * anywhere, locally or in Redis, since they would be in clear; limits are still shared.
   */
  secret?: string;
  /** Directory of the local token files (`<userDir>/rest-connection-tokens`); without it, memory only. */
  directory?: string;
  /** Where warnings go (once per event, e.g. Redis unreachable, never per request). */
  warn: StoreWarn;
  /** Lease of a concurrency slot in Redis (ms); renewed while the request runs. */
  leaseMs?: number;
}

export interface SharedConnectionState {
  readonly kind: 'local' | 'redis';
  readonly tokens: TokenCoordinator;
  readonly limiter: RequestLimiter;
  /** Fails every request still waiting for its turn and lets go of Redis. */
  close(): Promise<void>;
}

/** ERR_CONFIG for wrong limits, and when Redis is configured but the redis package is not installed. */
export async function openConnectionState(
  store: StoreSettings,
  options: ConnectionStateOptions,
): Promise<SharedConnectionState> {
  const limits = checkLimitSettings(options.limits);
  const key = options.secret ? tokenKey(options.secret) : undefined;
  const file =
    options.directory && options.secret
      ? new DurableTokenStore({ directory: options.directory, secret: options.secret }, options.connectionId)
      : undefined;
  const local = new LocalTokenCoordinator(file, key);
  if (store.type === 'local') {
    const limiter = new RequestLimiter(limits);
    return {
      kind: 'local',
      tokens: local,
      limiter,
      close: () => {
        limiter.close();
        return Promise.resolve();
      },
    };
  }
  const redis = await RedisConnection.open(store.url, options.warn);
  // Braces: a Redis Cluster keeps all keys of one connection in one slot, as its scripts need.
  const prefix = `${store.keyPrefix}{${options.connectionId}}:`;
  const limiter = new RequestLimiter(
    limits,
    new RedisSlotGate(redis, { rate: `${prefix}rate`, slots: `${prefix}slots` }, limits, options.leaseMs),
  );
  const tokens = key
    ? new RedisTokenCoordinator(
        redis,
        { tokens: `${prefix}tokens`, lock: `${prefix}lock`, used: `${prefix}used` },
        key,
        local,
        options.warn,
      )
    : undefined;
  let warnedUnshared = false;
  let closed = false;
  return {
    kind: 'redis',
    // Asked for by OAuth2 connections only: only they hear that their tokens cannot be shared.
    get tokens() {
      if (!tokens && !warnedUnshared) {
        warnedUnshared = true;
        options.warn(
          'Shared store: credentialSecret is false in settings.js, so OAuth2 tokens are not shared through Redis (they would be stored in clear); rateLimit and maxConcurrent are shared.',
        );
      }
      return tokens ?? local;
    },
    limiter,
    close() {
      if (!closed) {
        closed = true;
        limiter.close();
        tokens?.close();
        redis.release(options.warn);
      }
      return Promise.resolve();
    },
  };
}
