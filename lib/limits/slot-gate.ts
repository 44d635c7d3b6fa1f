/**
 * What decides whether the first waiting request may start now: a slot gate. The request
 * limiter keeps the queue and its order; a gate only answers "go" (with a release for the
 * slot) or "ask again in n ms". The local gate answers for this process; the shared store
 * has one that answers for all Node-RED instances together.
 */
import type { LimitSettings } from './limit-settings';

export type SlotAttempt = { granted: true; release: () => void } | { granted: false; retryInMs: number };

export interface SlotGate {
  /** `retryInMs` Infinity: not before a slot of this process is released. */
  tryAcquire(): SlotAttempt | Promise<SlotAttempt>;
  /** Stops background work (lease renewals); slots still held may be released afterwards. */
  close?(): void;
}

/** maxConcurrent and rateLimit within this process: a counter, and the earliest time of the next start. */
export class LocalSlotGate implements SlotGate {
  private inFlight = 0;
  private nextStartAt = 0;
  private readonly interval: number;

  constructor(
    private readonly settings: Pick<LimitSettings, 'maxConcurrent' | 'rateLimit'>,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.interval = settings.rateLimit > 0 ? 1000 / settings.rateLimit : 0;
  }

  tryAcquire(): SlotAttempt {
    const { maxConcurrent } = this.settings;
    if (maxConcurrent > 0 && this.inFlight >= maxConcurrent) return { granted: false, retryInMs: Infinity };
    if (this.interval > 0) {
      const now = this.now();
      // Starts are spaced evenly: no burst, which is what gets clients banned.
      if (now < this.nextStartAt) return { granted: false, retryInMs: this.nextStartAt - now };
      this.nextStartAt = now + this.interval;
    }
    this.inFlight++;
    let released = false;
    return {
      granted: true,
      release: () => {
        if (released) return;
        released = true;
        this.inFlight--;
      },
    };
  }
}
