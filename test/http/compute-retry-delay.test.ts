/**
 * When to try again (lib/http/compute-retry-delay.ts), without a clock: the delay got waits is
 * the server's Retry-After up to the cap, none (an error at once) beyond it, and otherwise an
 * exponential backoff with jitter. test/http/resilience.test.ts checks the waits on the wire.
 */
import assert from 'node:assert/strict';
import {
  backoffDelay,
  computeRetryDelay,
  MAX_RETRY_AFTER_MS,
  RETRYABLE_STATUS_CODES,
} from '../../lib/http/compute-retry-delay';
import type { RetryObject } from '../../lib/http/load-got';

/** What got hands calculateDelay (the fields the rule reads). */
const retry = (fields: Partial<RetryObject>) => ({ attemptCount: 1, computedValue: 250, ...fields }) as RetryObject;

describe('http: computeRetryDelay', function () {
  it('waits what Retry-After asks, up to the cap', function () {
    assert.equal(computeRetryDelay(retry({ retryAfter: 1000 })), 1000);
    assert.equal(computeRetryDelay(retry({ retryAfter: MAX_RETRY_AFTER_MS })), MAX_RETRY_AFTER_MS);
  });

  it('gives up at once (0) when Retry-After exceeds the cap: an error instead of a blocked flow', function () {
    assert.equal(computeRetryDelay(retry({ retryAfter: MAX_RETRY_AFTER_MS + 1 })), 0);
    assert.equal(computeRetryDelay(retry({ retryAfter: 3600 * 1000 })), 0);
  });

  it("keeps got's verdict not to retry (limit reached, method or status not retried)", function () {
    assert.equal(computeRetryDelay(retry({ computedValue: 0, retryAfter: 1000 })), 0);
    assert.equal(computeRetryDelay(retry({ computedValue: 0 })), 0);
  });

  it('backs off exponentially with equal jitter, capped at 10 s', function () {
    const table: [attempt: number, lowest: number, highest: number][] = [
      [1, 125, 250],
      [2, 250, 500],
      [3, 500, 1000],
      [7, 5000, 10000],
      [20, 5000, 10000],
    ];
    for (const [attempt, lowest, highest] of table) {
      assert.equal(
        backoffDelay(attempt, () => 0),
        lowest,
        `attempt ${attempt}, no jitter`,
      );
      assert.equal(
        backoffDelay(attempt, () => 1),
        highest,
        `attempt ${attempt}, full jitter`,
      );
    }
    const third = computeRetryDelay(retry({ attemptCount: 3 }));
    assert.ok(third >= 500 && third <= 1000, `the third attempt's delay is ${third}`);
  });

  it('retries the statuses that mean "try later": 429, 502, 503, 504', function () {
    assert.deepEqual([...RETRYABLE_STATUS_CODES], [429, 502, 503, 504]);
  });
});
