/**
 * OAuth2 tokens shared by several Node-RED instances through a real redis-server: one
 * token-endpoint call however many instances need new tokens at once, a rotated refresh token
 * never sent twice (the endpoint revokes the family on reuse, as real providers do), tokens
 * encrypted in Redis, the refresh lock of a crashed holder expiring, Redis going away and
 * coming back empty.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createClient } from 'redis';
import type { StoredTokens } from '../../lib/oauth2/token-store';
import { openConnectionState, type SharedConnectionState } from '../../lib/shared-store/connection-state';
import { openTokens, refreshTokenFingerprint, tokenKey } from '../../lib/shared-store/token-envelope';
import { requirePeer } from '../support/peers/debian-peers';
import { startRedis, type RedisServer } from '../support/peers/redis';
import { startRotatingTokenEndpoint, type RotatingTokenEndpoint } from './rotating-token-endpoint';

const SECRET = 'the credential secret of all instances';
const LOCK_MS = 5000;

/** What a TokenManager asks before refreshing: a token that is missing or about to expire. */
const expiring = (current: StoredTokens | undefined) =>
  !current?.accessToken || (current.expiresAt ?? 0) - Date.now() < 500;

/** A client of the test's own, to look into Redis. */
function rawClient(url: string) {
  return createClient({ url });
}
type RawClient = ReturnType<typeof rawClient>;

function seed(refreshToken: string): StoredTokens {
  return { refreshToken, accessToken: 'expired', expiresAt: 0, configurationHash: 'conf', savedAt: Date.now() };
}

describe('shared store: OAuth2 tokens across Node-RED instances (redis-server)', function () {
  this.timeout(30000);
  let redis: RedisServer;
  let endpoint: RotatingTokenEndpoint;
  let userDir: string;
  const opened: SharedConnectionState[] = [];
  const warnings: string[] = [];
  // One function for all, as the nodes pass Node-RED's log: a process-wide event is said once.
  const warn = (message: string) => warnings.push(message);

  /** One Node-RED instance: its own user directory (local token file), the shared Redis. */
  async function instance(connectionId: string, options: { url?: string; secret?: string; name?: string } = {}) {
    const state = await openConnectionState(
      { type: 'redis', url: options.url ?? redis.url, keyPrefix: 'test:' },
      {
        connectionId,
        limits: {},
        secret: options.secret ?? SECRET,
        directory: path.join(userDir, options.name ?? `instance-${opened.length}`),
        warn,
      },
    );
    opened.push(state);
    return state;
  }

  async function raw<T>(url: string, use: (client: RawClient) => Promise<T>): Promise<T> {
    const client = rawClient(url);
    await client.connect();
    try {
      return await use(client);
    } finally {
      client.destroy();
    }
  }

  before(async function () {
    requirePeer(this, 'redis');
    redis = await startRedis();
  });
  beforeEach(async function () {
    warnings.length = 0;
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shared-tokens-'));
    endpoint = await startRotatingTokenEndpoint();
  });
  afterEach(async function () {
    await Promise.all(opened.splice(0).map((state) => state.close()));
    await endpoint.close();
    fs.rmSync(userDir, { recursive: true, force: true });
  });
  after(async function () {
    await redis?.close();
  });

  it('15 refreshers in 3 instances, 3 rounds: one token-endpoint call per round, all get the same tokens, no reuse', async function () {
    const instances = await Promise.all([0, 1, 2].map(() => instance('refresh-lock')));
    const [seeder] = instances;
    assert.ok(seeder);
    await seeder.tokens.save(seed(endpoint.issue()));
    const seen = new Set<string>();
    for (let round = 1; round <= 3; round++) {
      const results = await Promise.all(
        instances.flatMap((state) =>
          Array.from({ length: 5 }, () =>
            state.tokens.refresh(expiring, (current) => endpoint.refresh(current), { lockMs: LOCK_MS }),
          ),
        ),
      );
      assert.equal(endpoint.calls, round, `token endpoint calls after round ${round}`);
      const first = results[0]!;
      for (const result of results) {
        assert.equal(result?.accessToken, first.accessToken);
        assert.equal(result?.refreshToken, first.refreshToken);
      }
      assert.ok(!seen.has(first.refreshToken!));
      seen.add(first.refreshToken!);
      // Each instance reads the same from the store.
      for (const state of instances) assert.equal((await state.tokens.load())?.refreshToken, first.refreshToken);
      // Expire it for the next round.
      const next = instances[round % 3];
      assert.ok(next);
      await next.tokens.save({ ...first, expiresAt: 0 });
    }
    assert.equal(endpoint.reuses, 0);
    assert.deepEqual(warnings, []);
  });

  it('a rotated refresh token is marked used for every instance and never handed out to be sent again', async function () {
    const [a, b] = await Promise.all([instance('used'), instance('used')]);
    const first = endpoint.issue();
    await a.tokens.save(seed(first));
    const rotated = await b.tokens.refresh(expiring, (current) => endpoint.refresh(current), { lockMs: LOCK_MS });
    assert.equal(await a.tokens.wasUsed(first), true);
    assert.equal(await b.tokens.wasUsed(first), true);
    assert.equal(await a.tokens.wasUsed(rotated!.refreshToken!), false);

    // Should the stored refresh token be one that was used already (an instance wrote an old copy back),
    // the refresher gets the tokens without it, instead of sending it.
    await raw(redis.url, (client) =>
      client.zAdd('test:{used}:used', {
        score: 1,
        value: refreshTokenFingerprint(tokenKey(SECRET), rotated!.refreshToken!),
      }),
    );
    await a.tokens.save({ ...rotated!, expiresAt: 0 });
    let handed: StoredTokens | undefined;
    await assert.rejects(
      a.tokens.refresh(
        expiring,
        async (current) => {
          handed = current;
          return endpoint.refresh(current);
        },
        { lockMs: LOCK_MS },
      ),
      /no refresh token/,
    );
    assert.equal(handed?.refreshToken, undefined);
    assert.equal(handed?.accessToken, rotated!.accessToken);
    assert.equal(endpoint.reuses, 0);
  });

  it('a holder that stores tokens itself while it holds the lock (a refused refresh token forgotten) is no conflict', async function () {
    const state = await instance('own-write');
    await state.tokens.save(seed('refused-refresh-token'));
    const result = await state.tokens.refresh(
      expiring,
      async (current) => {
        // What the TokenManager does after invalid_grant, before a client_credentials grant starts over.
        await state.tokens.save({ configurationHash: current!.configurationHash, savedAt: Date.now() });
        return { accessToken: 'from-client-credentials', configurationHash: 'conf', savedAt: Date.now() };
      },
      { lockMs: LOCK_MS },
    );
    assert.equal(result?.accessToken, 'from-client-credentials');
    assert.equal((await state.tokens.load())?.accessToken, 'from-client-credentials');
    assert.equal(await state.tokens.wasUsed('refused-refresh-token'), true);
    assert.deepEqual(warnings, []);
  });

  it('Redis holds the tokens encrypted: neither in clear nor base64, hex or URL-encoded, and opens only with the secret', async function () {
    const state = await instance('secret');
    const refreshed = await (async () => {
      await state.tokens.save(seed(endpoint.issue()));
      return state.tokens.refresh(expiring, (current) => endpoint.refresh(current), { lockMs: LOCK_MS });
    })();
    const secrets = [refreshed!.accessToken!, refreshed!.refreshToken!, SECRET];
    const forms = secrets.flatMap((secret) => [
      secret,
      Buffer.from(secret).toString('base64'),
      Buffer.from(secret).toString('base64url'),
      Buffer.from(secret).toString('hex'),
      encodeURIComponent(secret),
    ]);
    const everything = await raw(redis.url, async (client) => {
      const texts: string[] = [];
      for (const key of await client.keys('test:{secret}:*')) {
        const type = await client.type(key);
        if (type === 'hash') texts.push(JSON.stringify(await client.hGetAll(key)));
        else if (type === 'zset') texts.push(JSON.stringify(await client.zRange(key, 0, -1)));
        else texts.push(String(await client.get(key)));
      }
      return texts.join('\n');
    });
    assert.match(everything, /\\"iv\\":/);
    for (const form of forms) assert.ok(!everything.includes(form), 'a secret is readable in Redis');
    const data = await raw(redis.url, (client) => client.hGet('test:{secret}:tokens', 'data'));
    assert.equal(openTokens(tokenKey(SECRET), data!)?.refreshToken, refreshed!.refreshToken);
    assert.throws(() => openTokens(tokenKey('another secret'), data!));
  });

  it('an instance with another credentialSecret gets a clear error, not garbage', async function () {
    const good = await instance('other-secret');
    await good.tokens.save(seed(endpoint.issue()));
    const other = await instance('other-secret', { secret: 'not the same' });
    await assert.rejects(
      other.tokens.load(),
      /cannot be decrypted: the Node-RED instances sharing it must have the same credentialSecret/,
    );
  });

  it('the refresh lock of a holder that died expires: another instance then refreshes, once', async function () {
    const lockMs = 1000;
    const [dying, survivor] = await Promise.all([instance('dead-holder'), instance('dead-holder')]);
    await dying.tokens.save(seed(endpoint.issue()));
    let holderStarted: () => void = () => {};
    const started = new Promise<void>((resolve) => (holderStarted = resolve));
    // The holder takes the lock and never comes back (its process died before sending anything).
    void dying.tokens.refresh(
      expiring,
      () => {
        holderStarted();
        return new Promise<StoredTokens>(() => {});
      },
      { lockMs },
    );
    await started;
    const waitStarted = performance.now();
    const result = await survivor.tokens.refresh(expiring, (current) => endpoint.refresh(current), { lockMs });
    assert.ok(performance.now() - waitStarted >= lockMs - 100, 'the survivor did not wait for the lock');
    assert.equal(endpoint.calls, 1);
    assert.equal(endpoint.reuses, 0);
    assert.equal((await dying.tokens.load())?.refreshToken, result?.refreshToken);
  });

  describe('Redis going away', function () {
    let own: RedisServer;
    beforeEach(async function () {
      own = await startRedis();
    });
    afterEach(async function () {
      await own?.close();
    });

    it('warns once, keeps tokens locally meanwhile, and writes them back when Redis returns empty', async function () {
      const [a, b] = await Promise.all([instance('outage', { url: own.url }), instance('outage', { url: own.url })]);
      await a.tokens.save(seed(endpoint.issue()));
      const before = await b.tokens.refresh(expiring, (current) => endpoint.refresh(current), { lockMs: LOCK_MS });
      await own.stop();
      // Both instances need new tokens; b's refresh meanwhile is its own (from its local copy).
      await b.tokens.save({ ...before!, expiresAt: 0 });
      const during = await b.tokens.refresh(expiring, (current) => endpoint.refresh(current), { lockMs: LOCK_MS });
      assert.notEqual(during?.refreshToken, before?.refreshToken);
      assert.equal((await b.tokens.load())?.refreshToken, during?.refreshToken);
      assert.equal(warnings.filter((w) => /not reachable/.test(w)).length, 1, warnings.join('\n'));

      await own.start();
      await waitFor(() => warnings.some((w) => /reachable again/.test(w)), 15000);
      // Redis came back empty: b's newer tokens are shared again, and the one b used meanwhile is marked used.
      await waitFor(async () => (await a.tokens.load())?.refreshToken === during?.refreshToken, 5000);
      assert.equal(await a.tokens.wasUsed(before!.refreshToken!), true);
      await a.tokens.save({ ...during!, expiresAt: 0 });
      const after = await a.tokens.refresh(expiring, (current) => endpoint.refresh(current), { lockMs: LOCK_MS });
      assert.ok(after?.accessToken);
      assert.equal(endpoint.reuses, 0);
      assert.equal(warnings.filter((w) => /not reachable/.test(w)).length, 1);
    });

    it('a wrong URL: one clear warning, and the tokens are kept locally', async function () {
      const state = await instance('wrong-url', { url: 'redis://127.0.0.1:1' });
      await state.tokens.save(seed(endpoint.issue()));
      const result = await state.tokens.refresh(expiring, (current) => endpoint.refresh(current), { lockMs: LOCK_MS });
      assert.equal((await state.tokens.load())?.refreshToken, result?.refreshToken);
      assert.equal(warnings.length, 1, warnings.join('\n'));
      assert.match(
        warnings.join('\n'),
        /Redis at redis:\/\/127\.0\.0\.1:1 is not reachable \(.*ECONNREFUSED.*\)\. Until it is back, each Node-RED instance keeps its own OAuth2 tokens/,
      );
    });
  });
});

async function waitFor(condition: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const deadline = performance.now() + ms;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
