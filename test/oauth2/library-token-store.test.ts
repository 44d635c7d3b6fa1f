/** OAuth2 through the library (RestClient + the oauth2 strategy): durable token store. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { DurableTokenStore } from '../../lib/oauth2/token-store';
import { assertNoSecret } from '../support/secret-scan';
import { itShowsNoSecret, useOAuth2Library } from './library-harness';

describe('OAuth2 (library): durable token store', function () {
  const lib = useOAuth2Library();
  const { clientCredentials, connect, get, lastToken, tokenRequest, seen } = lib;

  describe('durable token store', () => {
    const store = () => ({
      directory: path.join(lib.userDir, 'rest-connection-tokens'),
      secret: 'node-red-credential-secret',
    });

    it('a rotated refresh token survives a restart, encrypted at rest; the old one is refused by the server', async () => {
      const deployed = lib.auth.issueRefreshToken('deployed-refresh-token-1');
      const creds = clientCredentials({ refreshToken: deployed });
      const first = await connect({ oauth2Grant: 'refresh_token' }, creds, {
        connectionId: 'restart',
        tokenStore: store(),
      });
      await get(first);
      const rotated = tokenRequest(0).refreshToken ?? '';
      assert.equal(lib.auth.liveRefreshTokens.has(deployed), false, 'the server retired the deployed token');
      await first.close();

      const file = path.join(store().directory, 'restart.json');
      const text = fs.readFileSync(file, 'utf8');
      assertNoSecret(text, [rotated, tokenRequest(0).accessToken ?? '']); // encrypted
      assert.equal(fs.readdirSync(store().directory).filter((name) => name.endsWith('.tmp')).length, 0);

      // "Restart": a new client with the same deployed credentials and store.
      const second = await connect({ oauth2Grant: 'refresh_token' }, creds, {
        connectionId: 'restart',
        tokenStore: store(),
      });
      await get(second);
      assert.equal(lib.auth.count(), 1, 'the stored access token is still valid: no token request');
      lib.api.reject(lastToken());
      await get(second);
      assert.equal(tokenRequest(1).params.refresh_token, rotated);
      assert.equal(tokenRequest(1).status, 200);
    });

    it('a NEW refresh token deployed in the editor wins over the stored one', async () => {
      const old = lib.auth.issueRefreshToken('old-refresh-token-2');
      const first = await connect({ oauth2Grant: 'refresh_token' }, clientCredentials({ refreshToken: old }), {
        connectionId: 'redeploy',
        tokenStore: store(),
      });
      await get(first);
      await first.close();
      const fresh = lib.auth.issueRefreshToken('brand-new-refresh-token-3');
      const second = await connect({ oauth2Grant: 'refresh_token' }, clientCredentials({ refreshToken: fresh }), {
        connectionId: 'redeploy',
        tokenStore: store(),
      });
      await get(second);
      assert.equal(lib.auth.ledger.tokenRequests.at(-1)?.params.refresh_token, fresh);
    });

    it('a store written with another secret is ignored with a warning, not a crash', async () => {
      const deployed = lib.auth.issueRefreshToken('deployed-refresh-token-4');
      const first = await connect({ oauth2Grant: 'refresh_token' }, clientCredentials({ refreshToken: deployed }), {
        connectionId: 'other-secret',
        tokenStore: store(),
      });
      await get(first);
      await first.close();
      const warnings = seen.length;
      lib.auth.issueRefreshToken(deployed);
      const second = await connect({ oauth2Grant: 'refresh_token' }, clientCredentials({ refreshToken: deployed }), {
        connectionId: 'other-secret',
        tokenStore: { ...store(), secret: 'a-different-secret' },
      });
      await get(second);
      assert.match(seen.slice(warnings).join('\n'), /Could not read the OAuth2 token store/);
    });
  });

  describe('redeploy during a token request', () => {
    const store = () => ({
      directory: path.join(lib.userDir, 'redeploy-tokens'),
      secret: 'node-red-credential-secret',
    });

    it('close waits for the refresh in flight and stores the rotated token; the new connection uses it', async () => {
      const deployed = lib.auth.issueRefreshToken('deployed-refresh-token-7');
      const creds = clientCredentials({ refreshToken: deployed });
      const options = { connectionId: 'redeploy-in-flight', tokenStore: store() };
      const old = await connect({ oauth2Grant: 'refresh_token' }, creds, options);
      await get(old);
      lib.auth.behaviour.answerDelayMs = 400;
      lib.api.reject(lastToken());
      const pending = get(old).catch((err: unknown) => err); // its API request may meet the closed connection
      while (lib.auth.count() < 2) await new Promise<void>((resolve) => setTimeout(resolve, 10));
      assert.equal(tokenRequest(1).status, 200, 'the server rotated; its answer is on the way');
      await old.close(); // what Node-RED's close handler does on a redeploy
      await pending;
      const rotated = tokenRequest(1).refreshToken;

      lib.auth.behaviour.answerDelayMs = 0;
      const renewed = await connect({ oauth2Grant: 'refresh_token' }, creds, options);
      assert.equal((await get(renewed)).statusCode, 200, 'the access token obtained during the close is valid');
      lib.api.reject(lastToken());
      assert.equal((await get(renewed)).statusCode, 200);
      assert.equal(tokenRequest(2).params.refresh_token, rotated);
      assert.equal(lib.auth.count(), 3);
    });

    it('store objects of the same connection read and write one after the other, in the order asked', async () => {
      const first = new DurableTokenStore(store(), 'shared-file');
      const second = new DurableTokenStore(store(), 'shared-file');
      const tokens = (refreshToken: string) => ({ refreshToken, configurationHash: 'h', savedAt: Date.now() });
      const written = first.save(tokens('written-first'));
      assert.equal((await second.load())?.refreshToken, 'written-first', 'the read waited for the write');
      await written;
      const writes = [first.save(tokens('older')), second.save(tokens('newer'))];
      await Promise.all(writes);
      assert.equal((await first.load())?.refreshToken, 'newer');
      await second.remove();
      assert.equal(await first.load(), undefined);
    });
  });

  itShowsNoSecret(lib, 1);
});
