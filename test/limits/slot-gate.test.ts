/**
 * The local slot gate (lib/limits/slot-gate.ts) on a clock the test turns: rateLimit spaces the
 * starts evenly (1000 / rateLimit ms, decimals too) and says how long to wait, maxConcurrent
 * counts the slots in use. request-limiter.test.ts checks the same limits on the wire.
 */
import assert from 'node:assert/strict';
import { LocalSlotGate, type SlotAttempt } from '../../lib/limits/slot-gate';

/** A gate on a clock that stands still until the test moves it. */
function gateWith(settings: { maxConcurrent?: number; rateLimit?: number }) {
  const clock = { now: 1000 };
  const gate = new LocalSlotGate({ maxConcurrent: 0, rateLimit: 0, ...settings }, () => clock.now);
  return { gate, clock };
}

function granted(attempt: SlotAttempt): () => void {
  assert.ok(attempt.granted, `refused: ask again in ${attempt.granted ? 0 : attempt.retryInMs} ms`);
  return attempt.release;
}

describe('limits: local slot gate (fake clock)', function () {
  for (const [rateLimit, interval] of [
    [10, 100],
    [0.5, 2000],
  ] as const) {
    it(`rateLimit ${rateLimit}: one start every ${interval} ms, and the wait until the next is said`, function () {
      const { gate, clock } = gateWith({ rateLimit });
      granted(gate.tryAcquire())();
      assert.deepEqual(gate.tryAcquire(), { granted: false, retryInMs: interval });
      clock.now += interval - 1;
      assert.deepEqual(gate.tryAcquire(), { granted: false, retryInMs: 1 });
      clock.now += 1;
      granted(gate.tryAcquire())();
      // A quiet spell earns no burst: the start after it is spaced again.
      clock.now += 10 * interval;
      granted(gate.tryAcquire())();
      assert.equal(gate.tryAcquire().granted, false);
    });
  }

  it('maxConcurrent 2: a third waits for a release (retryInMs Infinity), a release frees one slot', function () {
    const { gate } = gateWith({ maxConcurrent: 2 });
    const first = granted(gate.tryAcquire());
    granted(gate.tryAcquire());
    assert.deepEqual(gate.tryAcquire(), { granted: false, retryInMs: Infinity });
    first();
    first(); // a second release of the same slot frees nothing more
    granted(gate.tryAcquire());
    assert.deepEqual(gate.tryAcquire(), { granted: false, retryInMs: Infinity });
  });

  it('no limits: every attempt is granted at once', function () {
    const { gate } = gateWith({});
    for (let i = 0; i < 100; i++) granted(gate.tryAcquire());
  });
});
