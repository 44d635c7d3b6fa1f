/** OAuth2 through the library (RestClient + the oauth2 strategy): token lifecycle. */
import assert from 'node:assert/strict';
import path from 'node:path';
import type { ClientOptions } from '../../lib/http/rest-client';
import { assertNoSecret } from '../support/secret-scan';
import { PASSWORD, itShowsNoSecret, useOAuth2Library } from './library-harness';

describe('OAuth2 (library): token lifecycle', function () {
  const lib = useOAuth2Library();
  const { clientCredentials, connect, fails, get, lastToken, tokenRequest, seen } = lib;

  describe('token lifecycle', () => {
    it('refreshes ahead of expiry: with expires_in 2 s the second request gets a new token before any 401', async () => {
      lib.auth.behaviour.expiresIn = 2;
      const client = await connect();
      const before = lib.api.requests.length;
      await get(client);
      await new Promise<void>((resolve) => setTimeout(resolve, 1900));
      await get(client);
      assert.equal(lib.auth.count(), 2);
      const requests = lib.api.requests.slice(before);
      assert.deepEqual(
        requests.map((request) => request.status),
        [200, 200],
        'no request was rejected',
      );
      assert.notEqual(requests[0]?.token, requests[1]?.token);
    });

    it('without expires_in the token is used until a 401, then renewed once and the request retried', async () => {
      lib.auth.behaviour.expiresIn = null;
      const client = await connect();
      await get(client);
      await get(client);
      assert.equal(lib.auth.count(), 1);
      lib.api.reject(lastToken());
      const before = lib.api.requests.length;
      const response = await get(client);
      assert.equal(response.statusCode, 200);
      assert.deepEqual(
        lib.api.requests.slice(before).map((request) => request.status),
        [401, 200],
      );
      assert.equal(lib.auth.count(), 2);
    });

    it('a 403 saying invalid_token renews; any other 403 does not', async () => {
      const client = await connect();
      await get(client);
      lib.api.forbiddenBody = { error: 'invalid_token', error_description: 'The access token expired' };
      lib.api.reject(lastToken());
      assert.equal((await get(client)).statusCode, 200);
      assert.equal(lib.auth.count(), 2);
      lib.api.forbiddenBody = { error: 'insufficient_scope' };
      lib.api.reject(lastToken());
      const err = await fails(get(client));
      assert.equal(err.code, 'ERR_HTTP_STATUS');
      assert.equal(err.statusCode, 403);
      assert.equal(lib.auth.count(), 2, 'no token request for a plain 403');
      lib.api.forbiddenBody = null;
    });

    it('200 concurrent requests make exactly one token request, and 200 concurrent 401s exactly one renewal', async () => {
      const client = await connect();
      const first = await Promise.all(Array.from({ length: 200 }, () => get(client)));
      assert.ok(first.every((response) => response.statusCode === 200));
      assert.equal(lib.auth.count(), 1);
      lib.api.reject(lastToken());
      const second = await Promise.all(Array.from({ length: 200 }, () => get(client)));
      assert.ok(second.every((response) => response.statusCode === 200));
      assert.equal(lib.auth.count(), 2);
    });

    it('token endpoint down: clear ERR_NETWORK, no cached failure, the next request works once it is back', async () => {
      const client = await connect();
      await lib.auth.stop();
      try {
        const err = await fails(get(client));
        assert.equal(err.code, 'ERR_NETWORK');
        assert.match(err.message, /token endpoint/);
        assert.equal((await fails(get(client))).code, 'ERR_NETWORK', 'tried again, still down');
      } finally {
        await lib.auth.start();
      }
      assert.equal((await get(client)).statusCode, 200);
    });
  });

  describe('a refused refresh token', () => {
    const changes: object[] = []; // what Node-RED's in-memory credentials would be told
    const store = (): ClientOptions['tokenStore'] => ({
      directory: path.join(lib.userDir, 'refused-refresh-tokens'),
      secret: 'node-red-credential-secret',
      onTokensChanged: (connectionId, tokens) => changes.push({ connectionId, ...tokens }),
    });
    const grants = () => lib.auth.ledger.tokenRequests.map((request) => `${request.grant}:${request.status}`);
    // expires_in 2 s: refreshed ahead from 1.8 s on (the JWT itself may expire from 1 s on).
    const expire = () => new Promise<void>((resolve) => setTimeout(resolve, 1900));
    const revokeAll = () => lib.auth.liveRefreshTokens.clear();

    it('password: the next burst gets a fresh pair with the password (one flight), also after a restart', async () => {
      lib.auth.behaviour.expiresIn = 2;
      const creds = clientCredentials({ username: 'ada', password: PASSWORD });
      const options = { connectionId: 'password-recovers', tokenStore: store() };
      const client = await connect({ oauth2Grant: 'password' }, creds, options);
      await get(client);
      revokeAll();
      await expire();
      const burst = await Promise.all(Array.from({ length: 20 }, () => get(client)));
      assert.ok(burst.every((response) => response.statusCode === 200));
      assert.deepEqual(grants(), ['password:200', 'refresh_token:400', 'password:200']);
      assert.ok(!client.states.some((state) => state.text === 'authorization needed'), 'no "click Authorize"');
      const fresh = tokenRequest(2).refreshToken;
      await client.close();

      // Restart: the fresh refresh token was stored, the refused one is gone.
      const restarted = await connect({ oauth2Grant: 'password' }, creds, options);
      await expire();
      assert.equal((await get(restarted)).statusCode, 200);
      assert.deepEqual(grants(), ['password:200', 'refresh_token:400', 'password:200', 'refresh_token:200']);
      assert.equal(tokenRequest(3).params.refresh_token, fresh);
    });

    it('client_credentials with refresh tokens: a refused one is replaced by a new client_credentials grant', async () => {
      lib.auth.behaviour.expiresIn = 2;
      lib.auth.behaviour.clientCredentialsRefresh = true;
      const client = await connect({}, clientCredentials(), { connectionId: 'cc-recovers' });
      await get(client);
      revokeAll();
      await expire();
      const burst = await Promise.all(Array.from({ length: 20 }, () => get(client)));
      assert.ok(burst.every((response) => response.statusCode === 200));
      assert.deepEqual(grants(), ['client_credentials:200', 'refresh_token:400', 'client_credentials:200']);
    });

    it('password after a 401: the renewal falls back to the password at once', async () => {
      const client = await connect(
        { oauth2Grant: 'password' },
        clientCredentials({ username: 'ada', password: PASSWORD }),
        { connectionId: 'password-401' },
      );
      await get(client);
      revokeAll();
      lib.api.reject(lastToken());
      assert.equal((await get(client)).statusCode, 200);
      assert.deepEqual(grants(), ['password:200', 'refresh_token:400', 'password:200']);
    });

    it('refresh_token grant: ERR_AUTH once, then the refused token is never sent again, not even after a restart', async () => {
      const deployed = lib.auth.issueRefreshToken('deployed-refresh-token-5');
      const creds = clientCredentials({ refreshToken: deployed });
      const options = { connectionId: 'refresh-refused', tokenStore: store() };
      const client = await connect({ oauth2Grant: 'refresh_token' }, creds, options);
      await get(client);
      revokeAll();
      lib.api.reject(lastToken());
      const refused = await fails(get(client));
      assert.equal(refused.code, 'ERR_AUTH');
      assert.match(refused.message, /authorized again/);
      assert.deepEqual(client.states.at(-1), { level: 'error', text: 'authorization needed' });
      assert.deepEqual(changes.at(-1), { connectionId: 'refresh-refused', accessToken: '', refreshToken: '' });

      const again = await fails(get(client));
      assert.equal(again.code, 'ERR_AUTH');
      assert.match(again.message, /no refresh token/);
      await client.close();
      const restarted = await connect({ oauth2Grant: 'refresh_token' }, creds, options);
      assert.equal((await fails(get(restarted))).code, 'ERR_AUTH');
      assert.deepEqual(grants(), ['refresh_token:200', 'refresh_token:400'], 'the refused token was not sent again');
    });

    it("the error carries the token endpoint's headers (redacted), not the API's", async () => {
      const client = await connect(
        { oauth2Grant: 'refresh_token' },
        clientCredentials({ refreshToken: 'revoked-refresh-token-6' }),
        { connectionId: 'refused-headers' },
      );
      const err = await fails(get(client));
      assert.equal(err.statusCode, 400);
      const headers = err.headers ?? {};
      assert.match(String(headers['content-type']), /application\/json/);
      assert.match(String(headers['www-authenticate']), /invalid_grant/);
      assertNoSecret(JSON.stringify(headers), ['revoked-refresh-token-6']);
      assert.match(String(headers['www-authenticate']), /refresh token \*\*\* is expired/);
      seen.push(JSON.stringify(err.headers));
    });
  });

  itShowsNoSecret(lib, 10);
});
