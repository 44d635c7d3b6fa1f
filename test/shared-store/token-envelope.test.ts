/**
 * The encrypted form of tokens in the shared store is exactly the local token store's: each
 * opens what the other sealed, and only with the same credential secret.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DurableTokenStore, type StoredTokens } from '../../lib/oauth2/token-store';
import { openTokens, refreshTokenFingerprint, sealTokens, tokenKey } from '../../lib/shared-store/token-envelope';

const SECRET = 'node-red credential secret';
const TOKENS: StoredTokens = {
  accessToken: 'access-token-value-1234',
  refreshToken: 'refresh-token-value-5678',
  expiresAt: 1_900_000_000_000,
  obtainedAt: 1_800_000_000_000,
  configurationHash: 'abc',
  savedAt: 1_800_000_000_001,
};

describe('shared store: token envelope', function () {
  let directory: string;
  beforeEach(function () {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'envelope-'));
  });
  afterEach(function () {
    fs.rmSync(directory, { recursive: true, force: true });
  });

  it('opens what the local token store wrote', async function () {
    const store = new DurableTokenStore({ directory, secret: SECRET }, 'conn-1');
    await store.save(TOKENS);
    assert.deepEqual(openTokens(tokenKey(SECRET), fs.readFileSync(store.location, 'utf8')), TOKENS);
  });

  it('the local token store opens what it sealed', async function () {
    const store = new DurableTokenStore({ directory, secret: SECRET }, 'conn-2');
    fs.writeFileSync(store.location, sealTokens(tokenKey(SECRET), TOKENS));
    assert.deepEqual(await store.load(), TOKENS);
  });

  it('holds no token in clear, base64 or hex, uses a fresh IV each time, and refuses another secret', function () {
    const sealed = sealTokens(tokenKey(SECRET), TOKENS);
    for (const secret of [TOKENS.accessToken!, TOKENS.refreshToken!]) {
      for (const form of [secret, Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('hex')]) {
        assert.ok(!sealed.includes(form));
      }
    }
    assert.notEqual(sealTokens(tokenKey(SECRET), TOKENS), sealed);
    assert.throws(() => openTokens(tokenKey('another secret'), sealed), /authenticate/);
  });

  it('a used-token fingerprint depends on the secret and reveals nothing of the token', function () {
    const one = refreshTokenFingerprint(tokenKey(SECRET), 'refresh-token-value-5678');
    assert.match(one, /^[0-9a-f]{64}$/);
    assert.equal(one, refreshTokenFingerprint(tokenKey(SECRET), 'refresh-token-value-5678'));
    assert.notEqual(one, refreshTokenFingerprint(tokenKey('another secret'), 'refresh-token-value-5678'));
    assert.notEqual(one, refreshTokenFingerprint(tokenKey(SECRET), 'refresh-token-value-5679'));
  });
});
