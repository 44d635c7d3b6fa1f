/**
 * The request limiter of one connection: every attempt of a request (first try, retry, the
 * retry after a 401 renewal) asks for a permit and returns it when the attempt is over.
 * Waiting requests keep their order (first in, first out), their number is observable (the
 * nodes show "12 waiting"), at most `maxQueued` wait, and closing the connection settles
 * every waiting one with an error, so no message is ever dropped silently.
 */
import { RestError } from '../errors';
import { hasLimits, type LimitSettings } from './limit-settings';
import { LocalSlotGate, type SlotAttempt, type SlotGate } from './slot-gate';

export interface Permit {
  /** Ends the attempt: frees its concurrency slot. Calling it again does nothing. */
  release(): void;
}

export interface AcquireOptions {
  /** Aborting it takes a waiting request out of the queue; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

interface Waiter {
  resolve: (permit: Permit) => void;
  reject: (err: unknown) => void;
  /** False when the queue was full: the request may go only if a slot is free at once. */
  mayWait: boolean;
  settled: boolean;
  detach: () => void;
  /** An answer already asked for (an asynchronous gate's answer to the fast path). */
  firstAttempt?: Promise<SlotAttempt>;
}

const FREE_PERMIT: Permit = Object.freeze({ release() {} });

export class RequestLimiter {
  private readonly queue: Waiter[] = [];
  private readonly listeners = new Set<(waiting: number) => void>();
  private readonly limited: boolean;
  private pumping = false;
  private wakeUp?: () => void;
  /** Counts wake-ups, so one that comes while the gate is being asked is not lost. */
  private wakeCount = 0;
  private lastNotified = 0;
  private closed = false;

  constructor(
    private readonly settings: LimitSettings,
    private readonly gate: SlotGate = new LocalSlotGate(settings),
  ) {
    this.limited = hasLimits(settings);
  }

  /** Requests waiting for their turn (not those in flight). */
  get waiting(): number {
    return this.queue.length;
  }

  /** Called with the new number whenever it changes; returns the unsubscribe function. */
  onWaitingChange(listener: (waiting: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A permit for one attempt; resolves when the request may start. */
  acquire(options: AcquireOptions = {}): Promise<Permit> {
    const { signal } = options;
    if (this.closed) return Promise.reject(closedError());
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (!this.limited) return Promise.resolve(FREE_PERMIT);
    const mayWait = this.queue.length < this.settings.maxQueued;
    if (!mayWait && this.queue.length > 0) return Promise.reject(queueFullError(this.settings.maxQueued));
    let firstAttempt: Promise<SlotAttempt> | undefined;
    if (this.queue.length === 0) {
      // The common case, with a local gate: a free slot is taken at once, without queueing.
      const attempt = this.gate.tryAcquire();
      if (attempt instanceof Promise) firstAttempt = attempt;
      else if (attempt.granted) return Promise.resolve(this.permit(attempt.release));
    }
    return new Promise<Permit>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, mayWait, settled: false, detach: () => {}, firstAttempt };
      if (signal) {
        const onAbort = () => this.settle(waiter, abortReason(signal));
        signal.addEventListener('abort', onAbort, { once: true });
        waiter.detach = () => signal.removeEventListener('abort', onAbort);
      }
      this.queue.push(waiter);
      this.notify();
      void this.pump();
    });
  }

  /** Every waiting request fails with a clear error (the node reports it with its message); new ones fail too. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const error = closedError();
    for (const waiter of [...this.queue]) this.settle(waiter, error);
    this.wake();
    this.gate.close?.();
  }

  /** Asks the gate for the first waiting request until it may go, then for the next one. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (let head = this.queue[0]; head && !this.closed; head = this.queue[0]) {
        const wakeCountBefore = this.wakeCount;
        let attempt: SlotAttempt;
        try {
          const asked = head.firstAttempt;
          head.firstAttempt = undefined;
          attempt = await (asked ?? this.gate.tryAcquire());
        } catch (err) {
          // A gate falls back rather than throwing; should one throw, the request fails instead of hanging.
          this.settle(head, err);
          continue;
        }
        if (head.settled) {
          // Aborted (or closed) while the gate was asked.
          if (attempt.granted) attempt.release();
          continue;
        }
        if (attempt.granted) {
          this.settle(head, undefined, this.permit(attempt.release));
        } else if (!head.mayWait) {
          this.settle(head, queueFullError(this.settings.maxQueued));
        } else if (this.wakeCount === wakeCountBefore) {
          await this.sleep(attempt.retryInMs);
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  private permit(releaseSlot: () => void): Permit {
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        releaseSlot();
        this.wake();
      },
    };
  }

  private settle(waiter: Waiter, error: unknown, permit?: Permit): void {
    if (waiter.settled) return;
    waiter.settled = true;
    waiter.detach();
    // A slot granted to a request that is gone goes back at once.
    void waiter.firstAttempt?.then((attempt) => attempt.granted && attempt.release(), noop);
    const index = this.queue.indexOf(waiter);
    if (index >= 0) this.queue.splice(index, 1);
    this.notify();
    if (permit) waiter.resolve(permit);
    else waiter.reject(error);
    // The first waiting request may have changed: let it ask at once.
    if (index === 0) this.wake();
  }

  private wake(): void {
    this.wakeCount++;
    this.wakeUp?.();
  }

  /** Waits `ms`, or until a slot is released, a waiting request leaves, or the limiter closes. */
  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(timer);
        if (this.wakeUp === done) this.wakeUp = undefined;
        resolve();
      };
      if (Number.isFinite(ms)) timer = setTimeout(done, Math.max(1, Math.ceil(ms)));
      this.wakeUp = done;
    });
  }

  private notify(): void {
    const waiting = this.queue.length;
    if (waiting === this.lastNotified) return;
    this.lastNotified = waiting;
    for (const listener of this.listeners) listener(waiting);
  }
}

function noop(): void {}

function queueFullError(maxQueued: number): RestError {
  return new RestError(
    'ERR_QUEUE_FULL',
    `${maxQueued} requests of this connection are already waiting for their turn (maxConcurrent / rateLimit); this one was not sent. Raise maxQueued on the connection, or send fewer messages at once.`,
  );
}

function closedError(): RestError {
  return new RestError(
    'ERR_CONFIG',
    'The connection was closed (redeployed) while this request waited for its turn (maxConcurrent / rateLimit); it was not sent.',
  );
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error
    ? reason
    : new RestError('ERR_CONFIG', 'The request was cancelled while it waited for its turn.');
}
