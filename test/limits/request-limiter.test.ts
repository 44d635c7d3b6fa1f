/**
 * The per-connection request limiter against a loopback API that counts requests in flight and
 * their arrival times. Timing is checked by lower bounds only (a loaded machine is slower,
 * never faster).
 */
import assert from 'node:assert/strict';
import { RestError } from '../../lib/errors';
import { checkLimitSettings, type LimitSettings } from '../../lib/limits/limit-settings';
import { RequestLimiter, type Permit } from '../../lib/limits/request-limiter';
import { arrivalSpan, startCountingServer, type CountingServer } from './counting-server';

/** Loopback delivery may shift one arrival by a few ms against the limiter's own clock. */
const ARRIVAL_JITTER_MS = 30;

function limiterWith(settings: Partial<LimitSettings>): RequestLimiter {
  return new RequestLimiter(checkLimitSettings(settings));
}

/** One attempt the way the client makes it: a permit, the request, the permit back. */
async function limitedGet(limiter: RequestLimiter, server: CountingServer, label: string): Promise<number> {
  const permit = await limiter.acquire();
  try {
    return await server.get(label);
  } finally {
    permit.release();
  }
}

describe('limits: request limiter of one connection', function () {
  let server: CountingServer | undefined;
  afterEach(async function () {
    await server?.close();
    server = undefined;
  });

  it('maxConcurrent 3: never more than 3 requests in flight, and all 20 are answered', async function () {
    server = await startCountingServer({ holdMs: 40 });
    const limiter = limiterWith({ maxConcurrent: 3 });
    const statuses = await Promise.all(Array.from({ length: 20 }, (_, i) => limitedGet(limiter, server!, `r${i}`)));
    assert.deepEqual(statuses, Array(20).fill(200));
    assert.equal(server.arrivals.length, 20);
    assert.equal(server.maxInFlight, 3);
    assert.equal(limiter.waiting, 0);
  });

  it('rateLimit 10: 11 requests take at least 1 s, starts spaced by at least 100 ms', async function () {
    server = await startCountingServer();
    const limiter = limiterWith({ rateLimit: 10 });
    const granted: number[] = [];
    await Promise.all(
      Array.from({ length: 11 }, async (_, i) => {
        const permit = await limiter.acquire();
        granted.push(performance.now());
        try {
          await server!.get(`r${i}`);
        } finally {
          permit.release();
        }
      }),
    );
    granted.reduce((previous, at, i) => {
      assert.ok(at - previous >= 99, `gap ${i}`);
      return at;
    });
    assert.ok(arrivalSpan(server.arrivals) >= 1000 - ARRIVAL_JITTER_MS, `span ${arrivalSpan(server.arrivals)}`);
  });

  it('rateLimit 0.5 (decimals): the second request starts at least 2 s after the first', async function () {
    this.timeout(10000);
    server = await startCountingServer();
    const limiter = limiterWith({ rateLimit: 0.5 });
    await Promise.all([limitedGet(limiter, server, 'a'), limitedGet(limiter, server, 'b')]);
    assert.ok(arrivalSpan(server.arrivals) >= 2000 - ARRIVAL_JITTER_MS, `span ${arrivalSpan(server.arrivals)}`);
  });

  it('waiting requests go first in, first out', async function () {
    server = await startCountingServer({ holdMs: 5 });
    const limiter = limiterWith({ maxConcurrent: 1 });
    const labels = Array.from({ length: 12 }, (_, i) => `m${i}`);
    await Promise.all(labels.map((label) => limitedGet(limiter, server!, label)));
    assert.deepEqual(
      server.arrivals.map((arrival) => arrival.label),
      labels,
    );
  });

  it('the waiting count is observable (for "12 waiting") and back to 0 at the end', async function () {
    server = await startCountingServer({ holdMs: 30 });
    const limiter = limiterWith({ maxConcurrent: 1 });
    const seen: number[] = [];
    limiter.onWaitingChange((waiting) => seen.push(waiting));
    const all = Promise.all(Array.from({ length: 13 }, (_, i) => limitedGet(limiter, server!, `r${i}`)));
    assert.equal(limiter.waiting, 12);
    await all;
    assert.equal(Math.max(...seen), 12);
    assert.equal(seen[seen.length - 1], 0);
    assert.equal(limiter.waiting, 0);
  });

  it('maxQueued 2: one more fails at once with ERR_QUEUE_FULL, the others are sent', async function () {
    server = await startCountingServer({ holdMs: 50 });
    const limiter = limiterWith({ maxConcurrent: 1, maxQueued: 2 });
    const sent = [limitedGet(limiter, server, 'a'), limitedGet(limiter, server, 'b'), limitedGet(limiter, server, 'c')];
    let firstAnswered = false;
    void sent[0]?.then(() => (firstAnswered = true));
    await assert.rejects(limitedGet(limiter, server, 'd'), (err: unknown) => {
      assert.ok(err instanceof RestError);
      assert.equal(err.code, 'ERR_QUEUE_FULL');
      assert.match(err.message, /2 requests .* already waiting .* maxQueued/);
      return true;
    });
    // "At once": before the first request (held 50 ms) was answered, so before the others were sent.
    assert.equal(firstAnswered, false, 'the refusal waited for a slot');
    assert.ok(server.arrivals.length <= 1);
    assert.deepEqual(await Promise.all(sent), [200, 200, 200]);
    assert.deepEqual(
      server.arrivals.map((arrival) => arrival.label),
      ['a', 'b', 'c'],
    );
  });

  it('maxQueued 0: a request goes when a slot is free, and fails at once when none is', async function () {
    server = await startCountingServer({ holdMs: 50 });
    const limiter = limiterWith({ maxConcurrent: 1, maxQueued: 0 });
    const first = limitedGet(limiter, server, 'a');
    await assert.rejects(limiter.acquire(), { code: 'ERR_QUEUE_FULL' });
    assert.equal(await first, 200);
    assert.equal(await limitedGet(limiter, server, 'b'), 200);
  });

  it('close() fails every waiting request with a clear error; none of them is sent', async function () {
    server = await startCountingServer({ holdMs: 100 });
    const limiter = limiterWith({ maxConcurrent: 1 });
    const inFlight = limitedGet(limiter, server, 'sent');
    const waiting = ['w1', 'w2', 'w3'].map((label) => limitedGet(limiter, server!, label));
    const outcomes = Promise.allSettled(waiting);
    assert.equal(limiter.waiting, 3);
    limiter.close();
    for (const outcome of await outcomes) {
      assert.equal(outcome.status, 'rejected');
      const reason = outcome.reason as RestError;
      assert.equal(reason.code, 'ERR_CONFIG');
      assert.match(reason.message, /closed .* waited for its turn .* not sent/);
    }
    assert.equal(limiter.waiting, 0);
    assert.equal(await inFlight, 200);
    await assert.rejects(limiter.acquire(), /closed/);
    assert.deepEqual(
      server.arrivals.map((arrival) => arrival.label),
      ['sent'],
    );
  });

  it('an aborted waiting request leaves the queue with the abort reason; the others keep their order', async function () {
    server = await startCountingServer({ holdMs: 40 });
    const limiter = limiterWith({ maxConcurrent: 1 });
    const controller = new AbortController();
    const first = limitedGet(limiter, server, 'first');
    const aborted = limiter.acquire({ signal: controller.signal });
    const last = limitedGet(limiter, server, 'last');
    assert.equal(limiter.waiting, 2);
    controller.abort(new Error('message cancelled'));
    await assert.rejects(aborted, /message cancelled/);
    assert.equal(limiter.waiting, 1);
    assert.deepEqual(await Promise.all([first, last]), [200, 200]);
    assert.deepEqual(
      server.arrivals.map((arrival) => arrival.label),
      ['first', 'last'],
    );
    await assert.rejects(limiter.acquire({ signal: AbortSignal.abort(new Error('already')) }), /already/);
  });

  it('a retry acquires a new permit and waits its turn behind requests queued before it', async function () {
    // The first attempt of "a" answers 503; the client retries it with a new permit.
    server = await startCountingServer({
      holdMs: 20,
      statusFor: (label, seen) => (label === 'a' && seen === 1 ? 503 : 200),
    });
    const limiter = limiterWith({ maxConcurrent: 1 });
    const withRetry = async (label: string) => {
      for (let attempt = 1; ; attempt++) {
        const status = await limitedGet(limiter, server!, label);
        if (status !== 503 || attempt === 3) return status;
      }
    };
    assert.deepEqual(await Promise.all([withRetry('a'), withRetry('b')]), [200, 200]);
    assert.deepEqual(
      server.arrivals.map((arrival) => arrival.label),
      ['a', 'b', 'a'],
    );
    assert.equal(server.maxInFlight, 1);
  });

  it('without limits nothing waits and permits come at once', async function () {
    server = await startCountingServer({ holdMs: 20 });
    const limiter = limiterWith({});
    const permits: Permit[] = await Promise.all(Array.from({ length: 50 }, () => limiter.acquire()));
    assert.equal(limiter.waiting, 0);
    permits.forEach((permit) => permit.release());
    await Promise.all(Array.from({ length: 10 }, (_, i) => limitedGet(limiter, server!, `r${i}`)));
    assert.ok(server.maxInFlight > 1);
  });

  it('releasing a permit twice frees one slot only', async function () {
    const limiter = limiterWith({ maxConcurrent: 1 });
    const first = await limiter.acquire();
    const second = limiter.acquire();
    const third = limiter.acquire();
    first.release();
    first.release();
    const granted = await second;
    let thirdGranted = false;
    void third.then(() => (thirdGranted = true));
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(thirdGranted, false);
    granted.release();
    (await third).release();
  });

  describe('settings', function () {
    const wrong: [string, unknown, RegExp][] = [
      ['maxConcurrent', -1, /maxConcurrent must be a whole number from 0/],
      ['maxConcurrent', 1.5, /maxConcurrent must be a whole number/],
      ['rateLimit', Number.NaN, /rateLimit must be a number from 0 to 100000, not "NaN"/],
      ['rateLimit', '10', /rateLimit must be a number/],
      ['maxQueued', Infinity, /maxQueued must be a whole number/],
    ];
    for (const [name, value, message] of wrong) {
      it(`${name} ${String(value)} is ERR_CONFIG naming the setting`, function () {
        assert.throws(
          () => checkLimitSettings({ [name]: value }),
          (err: unknown) => {
            assert.ok(err instanceof RestError);
            assert.equal(err.code, 'ERR_CONFIG');
            assert.match(err.message, message);
            return true;
          },
        );
      });
    }

    it('defaults: no limit, 1000 may wait; decimals allowed for rateLimit', function () {
      assert.deepEqual(checkLimitSettings({}), { maxConcurrent: 0, rateLimit: 0, maxQueued: 1000 });
      assert.equal(checkLimitSettings({ rateLimit: 0.25 }).rateLimit, 0.25);
    });
  });
});
