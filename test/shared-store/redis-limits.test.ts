/**
 * rateLimit and maxConcurrent held by several instances together through a real redis-server,
 * measured at a loopback API that counts requests in flight and arrival times; a crashed
 * holder's slot comes back when its lease expires; Redis going away and coming back.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { openConnectionState, type SharedConnectionState } from '../../lib/shared-store/connection-state';
import type { LimitSettings } from '../../lib/limits/limit-settings';
import { arrivalSpan, startCountingServer, type CountingServer } from '../limits/counting-server';
import { requirePeer } from '../support/peers/debian-peers';
import { startRedis, type RedisServer } from '../support/peers/redis';

const ARRIVAL_JITTER_MS = 30;

describe('shared store: limits across Node-RED instances (redis-server)', function () {
  this.timeout(30000);
  let redis: RedisServer;
  let api: CountingServer;
  const opened: SharedConnectionState[] = [];
  const warnings: string[] = [];
  // One function for all, as the nodes pass Node-RED's log: a process-wide event is said once.
  const warn = (message: string) => warnings.push(message);

  async function instance(connectionId: string, limits: Partial<LimitSettings>, leaseMs?: number, url = redis.url) {
    const state = await openConnectionState(
      { type: 'redis', url, keyPrefix: 'test:' },
      { connectionId, limits, warn, leaseMs },
    );
    opened.push(state);
    return state;
  }

  async function send(state: SharedConnectionState, label: string): Promise<number> {
    const permit = await state.limiter.acquire();
    try {
      return await api.get(label);
    } finally {
      permit.release();
    }
  }

  before(async function () {
    requirePeer(this, 'redis');
    redis = await startRedis();
  });
  beforeEach(function () {
    warnings.length = 0;
  });
  afterEach(async function () {
    await Promise.all(opened.splice(0).map((state) => state.close()));
    await api?.close();
  });
  after(async function () {
    await redis?.close();
  });

  it('a shared rateLimit of 10 holds for three instances together: 30 requests take at least 2.9 s', async function () {
    api = await startCountingServer();
    const instances = await Promise.all([1, 2, 3].map(() => instance('rate-10', { rateLimit: 10 })));
    await Promise.all(instances.flatMap((state, i) => Array.from({ length: 10 }, (_, n) => send(state, `i${i}-${n}`))));
    assert.equal(api.arrivals.length, 30);
    // Each instance alone would send its 10 within 0.9 s.
    assert.ok(arrivalSpan(api.arrivals) >= 2900 - ARRIVAL_JITTER_MS, `span ${arrivalSpan(api.arrivals)} ms`);
    for (let i = 0; i < 3; i++) assert.equal(api.arrivals.filter((a) => a.label.startsWith(`i${i}-`)).length, 10);
    assert.deepEqual(warnings, []);
  });

  it('a shared maxConcurrent of 2 holds for three instances together', async function () {
    api = await startCountingServer({ holdMs: 60 });
    const instances = await Promise.all([1, 2, 3].map(() => instance('concurrent-2', { maxConcurrent: 2 })));
    const statuses = await Promise.all(
      instances.flatMap((state, i) => Array.from({ length: 6 }, (_, n) => send(state, `i${i}-${n}`))),
    );
    assert.deepEqual(statuses, Array(18).fill(200));
    assert.equal(api.maxInFlight, 2);
  });

  it('the slot of a crashed instance comes back when its lease expires, not while it lives', async function () {
    const leaseMs = 3000;
    const holder = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(__dirname, 'slot-holder.ts'), redis.url, 'lease', String(leaseMs)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('holding') && resolve());
        holder.once('exit', (code) => reject(new Error(`slot holder exited (${code})`)));
      });
      const state = await instance('lease', { maxConcurrent: 1 }, leaseMs);
      let grantedAt = 0;
      const waiting = state.limiter.acquire().then((permit) => {
        grantedAt = performance.now();
        return permit;
      });
      // Longer than a lease: the living holder renews it.
      await new Promise((resolve) => setTimeout(resolve, leaseMs + 1000));
      assert.equal(grantedAt, 0, 'granted while the holder was alive');
      const killedAt = performance.now();
      holder.kill('SIGKILL');
      (await waiting).release();
      assert.ok(grantedAt >= killedAt);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  describe('Redis going away', function () {
    let own: RedisServer;
    before(async function () {
      own = await startRedis();
    });
    after(async function () {
      await own?.close();
    });

    it('warns once, limits locally meanwhile, and shares again when Redis is back', async function () {
      api = await startCountingServer();
      const state = await instance('fallback', { rateLimit: 20 }, undefined, own.url);
      assert.equal(await send(state, 'shared'), 200);
      await own.stop();
      const started = performance.now();
      for (let i = 0; i < 6; i++) assert.equal(await send(state, `local-${i}`), 200);
      // The local gate still spaces the starts: 6 requests after the shared one, 50 ms apart.
      assert.ok(performance.now() - started >= 250 - ARRIVAL_JITTER_MS);
      const down = warnings.filter((w) => /not reachable/.test(w));
      assert.equal(down.length, 1, warnings.join('\n'));
      assert.match(
        down.join('\n'),
        /Redis at redis:\/\/127\.0\.0\.1:\d+ is not reachable .*each Node-RED instance keeps its own .*rateLimit\/maxConcurrent/,
      );
      await own.start();
      await waitFor(() => warnings.some((w) => /reachable again/.test(w)), 15000);
      assert.equal(await send(state, 'shared-again'), 200);
      // The start went through Redis: its shared rate key is there again.
      assert.equal(warnings.filter((w) => /not reachable/.test(w)).length, 1);
      assert.ok(await rateKeyExists(own.url, 'test:{fallback}:rate'));
    });

    it('the warning still reaches the log after another connection using the same log closed', async function () {
      api = await startCountingServer();
      const closing = await instance('first', { rateLimit: 50 }, undefined, own.url);
      const staying = await instance('second', { rateLimit: 50 }, undefined, own.url);
      assert.equal(await send(staying, 'before'), 200);
      await closing.close();
      await own.stop();
      try {
        assert.equal(await send(staying, 'during'), 200);
        assert.equal(warnings.filter((w) => /not reachable/.test(w)).length, 1, warnings.join('\n'));
      } finally {
        await own.start();
      }
    });

    it('a wrong URL is a clear warning (no password in it), and limits hold locally', async function () {
      api = await startCountingServer({ holdMs: 30 });
      const url = 'redis://app:s3cret-pass@127.0.0.1:1';
      const state = await instance('wrong-url', { maxConcurrent: 1 }, undefined, url);
      await Promise.all([send(state, 'a'), send(state, 'b'), send(state, 'c')]);
      assert.equal(api.maxInFlight, 1);
      assert.equal(warnings.length, 1, warnings.join('\n'));
      assert.match(
        warnings.join('\n'),
        /Redis at redis:\/\/\*\*\*:\*\*\*@127\.0\.0\.1:1 is not reachable \(.*ECONNREFUSED/,
      );
      assert.doesNotMatch(warnings.join(), /s3cret-pass/);
    });
  });
});

async function waitFor(condition: () => boolean, ms: number): Promise<void> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Looks into Redis with a client of its own. */
async function rateKeyExists(url: string, key: string): Promise<boolean> {
  const { createClient } = await import('redis');
  const client = createClient({ url });
  await client.connect();
  try {
    return (await client.exists(key)) === 1;
  } finally {
    client.destroy();
  }
}
