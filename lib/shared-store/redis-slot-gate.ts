/**
 * rateLimit and maxConcurrent for all Node-RED instances together: each slot is granted by one
 * atomic script in Redis (a shared time of the next start, and a semaphore of leases). A lease
 * is renewed while its request runs and expires when its instance dies, so a crashed instance
 * cannot hold slots for good. While Redis is down, the instance's own local gate decides.
 */
import crypto from 'node:crypto';
import type { LimitSettings } from '../limits/limit-settings';
import { LocalSlotGate, type SlotAttempt, type SlotGate } from '../limits/slot-gate';
import { RedisUnavailableError, type RedisConnection } from './redis-connection';
import { ACQUIRE_SLOT, RENEW_LEASES } from './redis-scripts';

/** Every slot taken: how soon to ask again (slots freed by other instances are not announced). */
const FULL_POLL_MS = 50;
export const DEFAULT_LEASE_MS = 15_000;

export interface RedisSlotKeys {
  rate: string;
  slots: string;
}

export class RedisSlotGate implements SlotGate {
  private readonly local: LocalSlotGate;
  private readonly held = new Set<string>();
  private readonly instance = crypto.randomUUID();
  private readonly intervalMs: number;
  private counter = 0;
  private renewal?: NodeJS.Timeout;

  constructor(
    private readonly redis: RedisConnection,
    private readonly keys: RedisSlotKeys,
    private readonly settings: LimitSettings,
    private readonly leaseMs: number = DEFAULT_LEASE_MS,
  ) {
    this.local = new LocalSlotGate(settings);
    // Whole milliseconds in Redis: rounded up, so the shared rate is never above the setting.
    this.intervalMs = settings.rateLimit > 0 ? Math.ceil(1000 / settings.rateLimit) : 0;
  }

  async tryAcquire(): Promise<SlotAttempt> {
    const lease = `${this.instance}:${++this.counter}`;
    let answer: [number, number];
    try {
      answer = (await this.redis.script(
        ACQUIRE_SLOT,
        [this.keys.rate, this.keys.slots],
        [this.settings.maxConcurrent, this.intervalMs, this.leaseMs, lease],
      )) as [number, number];
    } catch (err) {
      if (!(err instanceof RedisUnavailableError)) throw err;
      return this.local.tryAcquire();
    }
    const [granted, waitMs] = answer;
    if (granted !== 1) return { granted: false, retryInMs: waitMs >= 0 ? waitMs : FULL_POLL_MS };
    if (this.settings.maxConcurrent === 0) return { granted: true, release: () => {} };
    this.hold(lease);
    return { granted: true, release: () => this.releaseLease(lease) };
  }

  close(): void {
    clearInterval(this.renewal);
    this.renewal = undefined;
  }

  private hold(lease: string): void {
    this.held.add(lease);
    if (this.renewal) return;
    this.renewal = setInterval(() => void this.renew(), Math.max(100, Math.floor(this.leaseMs / 3)));
    this.renewal.unref();
  }

  private releaseLease(lease: string): void {
    this.held.delete(lease);
    if (this.held.size === 0) this.close();
    // Not awaited: the next request need not wait for Redis; a lost release ends with the lease.
    this.redis.command(['ZREM', this.keys.slots, lease]).catch(() => undefined);
  }

  private async renew(): Promise<void> {
    if (this.held.size === 0) return;
    await this.redis.script(RENEW_LEASES, [this.keys.slots], [this.leaseMs, ...this.held]).catch(() => undefined);
  }
}
