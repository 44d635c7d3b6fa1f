/**
 * settings.js `restConnection.store`: what is accepted, the clear error for what is not, the
 * message when the redis package is missing, and that an install without a Redis store never
 * loads the redis package.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { RestError } from '../../lib/errors';
import { loadRedisModule } from '../../lib/shared-store/redis-connection';
import { readStoreSettings, safeStoreUrl } from '../../lib/shared-store/store-settings';

describe('shared store: settings.js restConnection.store', function () {
  it('absent, null or type "local": each instance keeps its own', function () {
    for (const value of [undefined, null, {}, { type: 'local' }])
      assert.deepEqual(readStoreSettings(value), { type: 'local' });
  });

  it('redis with url, and the default keyPrefix', function () {
    assert.deepEqual(readStoreSettings({ type: 'redis', url: 'redis://127.0.0.1:6379' }), {
      type: 'redis',
      url: 'redis://127.0.0.1:6379',
      keyPrefix: 'rest-connection:',
    });
    assert.deepEqual(readStoreSettings({ type: 'redis', url: 'rediss://r.example:6380', keyPrefix: 'nr1:' }), {
      type: 'redis',
      url: 'rediss://r.example:6380',
      keyPrefix: 'nr1:',
    });
  });

  const wrong: [string, unknown, RegExp][] = [
    ['a string', 'redis://127.0.0.1', /restConnection\.store: must be an object/],
    ['an unknown type', { type: 'memcached' }, /type must be "redis" or "local", not "memcached"/],
    ['no url', { type: 'redis' }, /url is missing/],
    ['not a URL', { type: 'redis', url: '//no scheme:6379' }, /is not a URL/],
    [
      'http://',
      { type: 'redis', url: 'http://127.0.0.1:6379' },
      /must start with redis:\/\/ or rediss:\/\/ \(TLS\), not http:\/\//,
    ],
    [
      'a keyPrefix with spaces',
      { type: 'redis', url: 'redis://h', keyPrefix: 'a b' },
      /keyPrefix must be a text without spaces/,
    ],
  ];
  for (const [what, value, message] of wrong) {
    it(`${what} is ERR_CONFIG saying what to write`, function () {
      assert.throws(
        () => readStoreSettings(value),
        (err: unknown) => {
          assert.ok(err instanceof RestError);
          assert.equal(err.code, 'ERR_CONFIG');
          assert.match(err.message, message);
          return true;
        },
      );
    });
  }

  it('a password in the URL never appears in a message', function () {
    assert.equal(safeStoreUrl('redis://user:pa55word@h:6379/0'), 'redis://***:***@h:6379/0');
    assert.equal(safeStoreUrl('redis://:pa55word@h:6379'), 'redis://:***@h:6379');
    assert.doesNotMatch(safeStoreUrl('redis//user:pa55word@h x'), /pa55word/);
    assert.throws(
      () => readStoreSettings({ type: 'redis', url: 'redis//user:pa55word@h x' }),
      (err: Error) => !err.message.includes('pa55word'),
    );
  });

  it('a missing redis package is ERR_CONFIG saying how to install it', async function () {
    await assert.rejects(loadRedisModule('redis-package-that-is-not-installed'), (err: unknown) => {
      assert.ok(err instanceof RestError);
      assert.equal(err.code, 'ERR_CONFIG');
      assert.match(
        err.message,
        /needs the "redis-package-that-is-not-installed" package, which is not installed: run "npm install/,
      );
      return true;
    });
  });

  it('without a Redis store the redis package is never loaded', function () {
    this.timeout(20000);
    const root = path.join(__dirname, '..', '..');
    const script = `
      const { openConnectionState } = require('./lib/shared-store/connection-state.ts');
      const { readStoreSettings } = require('./lib/shared-store/store-settings.ts');
      openConnectionState(readStoreSettings(undefined), { connectionId: 'c', limits: { rateLimit: 5 }, warn() {} })
        .then(async (state) => {
          (await state.limiter.acquire()).release();
          await state.close();
          const loaded = Object.keys(require.cache).filter((file) => /node_modules[\\\\/](redis|@redis)[\\\\/]/.test(file));
          console.log(JSON.stringify({ kind: state.kind, loaded }));
        });
    `;
    const output = execFileSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], {
      cwd: root,
      encoding: 'utf8',
    });
    assert.deepEqual(JSON.parse(output), { kind: 'local', loaded: [] });
  });

  it('with a Redis store it is loaded (the check above can see it)', function () {
    this.timeout(20000);
    const root = path.join(__dirname, '..', '..');
    const script = `
      const { loadRedisModule } = require('./lib/shared-store/redis-connection.ts');
      loadRedisModule().then(() => {
        const loaded = Object.keys(require.cache).filter((file) => /node_modules[\\\\/](redis|@redis)[\\\\/]/.test(file));
        console.log(JSON.stringify({ loaded: loaded.length > 0 }));
      });
    `;
    const output = execFileSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], {
      cwd: root,
      encoding: 'utf8',
    });
    assert.deepEqual(JSON.parse(output), { loaded: true });
  });
});
