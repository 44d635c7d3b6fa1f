/**
 * Without a Redis store (the default), a connection's state is this instance's: tokens in the
 * encrypted local file (memory only without a credential secret), one refresh at a time,
 * replaced refresh tokens marked used, and the local request limiter.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { StoredTokens } from '../../lib/oauth2/token-store';
import { openConnectionState } from '../../lib/shared-store/connection-state';
import { openTokens, tokenKey } from '../../lib/shared-store/token-envelope';
import { startRotatingTokenEndpoint, type RotatingTokenEndpoint } from './rotating-token-endpoint';

const SECRET = 'local secret';
const expiring = (current: StoredTokens | undefined) => !current?.accessToken || (current.expiresAt ?? 0) < Date.now();

describe('shared store: local state (no Redis configured)', function () {
  let directory: string;
  let endpoint: RotatingTokenEndpoint;
  beforeEach(async function () {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'local-state-'));
    endpoint = await startRotatingTokenEndpoint({ delayMs: 50 });
  });
  afterEach(async function () {
    await endpoint.close();
    fs.rmSync(directory, { recursive: true, force: true });
  });

  it('10 concurrent refreshes: one token request; the tokens land encrypted in the local file', async function () {
    const state = await openConnectionState(
      { type: 'local' },
      { connectionId: 'c1', limits: {}, secret: SECRET, directory, warn: assert.fail },
    );
    assert.equal(state.kind, 'local');
    const first = endpoint.issue();
    await state.tokens.save({ refreshToken: first, configurationHash: 'h', savedAt: Date.now() });
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        state.tokens.refresh(expiring, (current) => endpoint.refresh(current), { lockMs: 5000 }),
      ),
    );
    assert.equal(endpoint.calls, 1);
    assert.equal(new Set(results.map((result) => result?.refreshToken)).size, 1);
    const file = fs.readFileSync(path.join(directory, 'c1.json'), 'utf8');
    assert.ok(!file.includes(results[0]!.refreshToken!));
    assert.equal(openTokens(tokenKey(SECRET), file)?.refreshToken, results[0]!.refreshToken);
    assert.equal(await state.tokens.wasUsed(first), true);
    assert.equal(await state.tokens.wasUsed(results[0]!.refreshToken!), false);
    await state.close();
  });

  it('a refresh token that was replaced is never handed out again', async function () {
    const state = await openConnectionState(
      { type: 'local' },
      { connectionId: 'c2', limits: {}, secret: SECRET, directory, warn: assert.fail },
    );
    const old = endpoint.issue();
    await state.tokens.save({ refreshToken: old, configurationHash: 'h', savedAt: 1 });
    await state.tokens.save({ refreshToken: 'newer', configurationHash: 'h', savedAt: 2 });
    // An older copy comes back (e.g. written by a connection closing during a redeploy).
    await state.tokens.save({ refreshToken: old, configurationHash: 'h', savedAt: 3 });
    let handed: StoredTokens | undefined;
    await state.tokens.refresh(
      expiring,
      (current) => {
        handed = current;
        return Promise.resolve({ accessToken: 'a', configurationHash: 'h', savedAt: 4 });
      },
      { lockMs: 5000 },
    );
    assert.equal(handed?.refreshToken, undefined);
    assert.equal(endpoint.calls, 0);
    await state.close();
  });

  it('without a credential secret tokens stay in memory: no file is written', async function () {
    const state = await openConnectionState(
      { type: 'local' },
      { connectionId: 'c3', limits: {}, directory, warn: assert.fail },
    );
    await state.tokens.save({ refreshToken: 'r', configurationHash: 'h', savedAt: 1 });
    assert.equal((await state.tokens.load())?.refreshToken, 'r');
    assert.deepEqual(fs.readdirSync(directory), []);
    await state.tokens.remove();
    assert.equal(await state.tokens.load(), undefined);
    await state.close();
  });

  it('close() fails the requests waiting in its limiter', async function () {
    const state = await openConnectionState(
      { type: 'local' },
      { connectionId: 'c4', limits: { maxConcurrent: 1 }, warn: assert.fail },
    );
    const held = await state.limiter.acquire();
    const waiting = state.limiter.acquire();
    await state.close();
    await assert.rejects(waiting, { code: 'ERR_CONFIG' });
    held.release();
  });

  it('wrong limits are ERR_CONFIG when the state is opened', async function () {
    await assert.rejects(
      openConnectionState({ type: 'local' }, { connectionId: 'c5', limits: { rateLimit: -2 }, warn: assert.fail }),
      { code: 'ERR_CONFIG', message: /rateLimit must be a number from 0/ },
    );
  });
});
