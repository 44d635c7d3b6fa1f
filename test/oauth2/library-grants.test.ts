/** OAuth2 through the library (RestClient + the oauth2 strategy): grants. */
import assert from 'node:assert/strict';
import type http from 'node:http';
import { PendingAuthorizations, createCodeVerifier } from '../../lib/oauth2/authorization-requests';
import { assertNoSecret } from '../support/secret-scan';
import { PASSWORD, itShowsNoSecret, useOAuth2Library } from './library-harness';

/** The agent method the test watches (Node's http.Agent has it, @types/node does not declare it). */
type WatchedAgent = http.Agent & { addRequest: (this: http.Agent, ...args: unknown[]) => unknown };

describe('OAuth2 (library): grants', function () {
  const lib = useOAuth2Library();
  const { clientCredentials, connect, fails, oauth2, get, lastToken, tokenRequest } = lib;

  describe('grants', () => {
    it('client_credentials: the API gets a verified token; scope, tokenParams and client_secret_basic reach the server', async () => {
      const client = await connect({ scope: 'read write', tokenParams: [{ name: 'audience', value: 'https://api' }] });
      const response = await get(client);
      assert.equal(response.statusCode, 200);
      assert.equal((response.json() as { ok: boolean }).ok, true);
      await get(client);
      assert.equal(lib.auth.count(), 1, 'the token is cached');
      const request = tokenRequest(0);
      assert.equal(request.grant, 'client_credentials');
      assert.equal(request.clientAuth, 'header');
      assert.equal(request.params.scope, 'read write');
      assert.equal(request.params.audience, 'https://api');
      assert.equal(request.params.client_secret, undefined, 'the secret is not in the body');
    });

    it("token requests go through the connection's own agents (same pool, so same proxy and TLS)", async () => {
      const client = await connect();
      const agent = client.transport.agentsFor(new URL(lib.auth.tokenUrl)).http as WatchedAgent;
      const pools: boolean[] = [];
      const addRequest = agent.addRequest;
      agent.addRequest = function (this: http.Agent, ...args: unknown[]) {
        pools.push(this.sockets === agent.sockets);
        return addRequest.apply(this, args);
      };
      await get(client);
      assert.ok(pools.length >= 2, 'token and API requests both used the agent');
      assert.ok(pools.every(Boolean), 'never a detached copy of the agent');
    });

    it('client_credentials with clientAuth body: the server sees client_secret_post', async () => {
      const client = await connect({ clientAuth: 'body' });
      await get(client);
      const request = tokenRequest(0);
      assert.equal(request.clientAuth, 'body');
      assert.equal(request.params.client_id, lib.auth.clientId);
    });

    it('a wrong client secret is ERR_AUTH naming invalid_client, without the secret', async () => {
      const client = await connect({}, clientCredentials({ clientSecret: 'wrong-secret-value' }));
      const err = await fails(get(client));
      assert.equal(err.code, 'ERR_AUTH');
      assert.match(err.message, /invalid_client/);
      assert.equal(err.statusCode, 401);
      assertNoSecret(err, ['wrong-secret-value'], { users: [lib.auth.clientId] });
    });

    it('password: username and password reach the token endpoint; a wrong password is ERR_AUTH', async () => {
      const client = await connect(
        { oauth2Grant: 'password' },
        clientCredentials({ username: 'ada', password: PASSWORD }),
      );
      await get(client);
      assert.equal(lib.api.requests.at(-1)?.status, 200);
      const request = tokenRequest(0);
      assert.equal(request.grant, 'password');
      assert.equal(request.params.username, 'ada');

      const wrong = await connect(
        { oauth2Grant: 'password' },
        clientCredentials({ username: 'ada', password: 'not-the-password' }),
        { connectionId: 'conn-2' },
      );
      const err = await fails(get(wrong));
      assert.equal(err.code, 'ERR_AUTH');
      assert.match(err.message, /username and password/);
      assertNoSecret(err, ['not-the-password'], { users: ['ada'] });
    });

    it('refresh_token: the deployed refresh token is exchanged, and the rotated one is used next', async () => {
      const initial = lib.auth.issueRefreshToken('initial-refresh-token-1');
      const client = await connect({ oauth2Grant: 'refresh_token' }, clientCredentials({ refreshToken: initial }));
      await get(client);
      lib.api.reject(lastToken());
      await get(client); // 401, renew with the rotated refresh token, retry
      const refreshes = lib.auth.ledger.tokenRequests.filter((entry) => entry.grant === 'refresh_token');
      assert.equal(refreshes.length, 2);
      assert.equal(refreshes[0]?.params.refresh_token, initial);
      assert.equal(refreshes[1]?.params.refresh_token, refreshes[0]?.refreshToken, 'the rotated token is sent');
      assert.equal(refreshes[1]?.status, 200);
    });

    it('invalid_grant is ERR_AUTH saying to authorize again, with the "authorization needed" state and no token in it', async () => {
      const client = await connect(
        { oauth2Grant: 'refresh_token' },
        clientCredentials({ refreshToken: 'revoked-refresh-token-9' }),
      );
      const err = await fails(get(client));
      assert.equal(err.code, 'ERR_AUTH');
      assert.match(err.message, /authorized again/);
      assertNoSecret(err.message + (err.responseBody ?? ''), ['revoked-refresh-token-9']); // the echoed token is redacted
      assert.deepEqual(client.states.at(-1), { level: 'error', text: 'authorization needed' });
    });

    it('authorization_code with PKCE S256 and state: login URL, code exchange, API request', async () => {
      const client = await connect(
        {
          oauth2Grant: 'authorization_code',
          authorizeUrl: lib.auth.authorizeUrl,
          scope: 'openid profile',
          authorizeParams: [{ name: 'prompt', value: 'consent' }],
        },
        clientCredentials(),
      );
      const err = await fails(get(client));
      assert.equal(err.code, 'ERR_AUTH', 'not authorized yet');
      assert.match(err.message, /Authorize/);

      const pending = new PendingAuthorizations();
      const redirectUri = 'http://127.0.0.1:1880/rest-connection/callback';
      const codeVerifier = createCodeVerifier();
      const state = pending.add({ connectionId: 'conn-1', redirectUri, codeVerifier });
      for (let i = 0; i < 99; i++) pending.add({ connectionId: 'conn-1', redirectUri });
      assert.equal(pending.size, 100);
      const login = new URL(await oauth2(client).startAuthorization(redirectUri, state, codeVerifier));
      assert.equal(login.searchParams.get('client_id'), lib.auth.clientId);
      assert.equal(login.searchParams.get('code_challenge_method'), 'S256');
      assert.equal(login.searchParams.get('prompt'), 'consent');
      assert.equal(login.searchParams.get('scope'), 'openid profile');

      const back = await fetch(login, { redirect: 'manual' });
      const callback = new URL(back.headers.get('location') ?? '');
      assert.equal(callback.searchParams.get('state'), state);
      const entry = pending.take(callback.searchParams.get('state') ?? undefined);
      assert.equal(pending.take(state), undefined, 'a state is used once');
      pending.add({ connectionId: 'conn-1', redirectUri });
      pending.add({ connectionId: 'conn-1', redirectUri });
      assert.equal(pending.size, 100, 'at most 100 logins are kept');
      assert.ok(entry, 'the state was pending');
      await oauth2(client).completeAuthorization(
        callback.searchParams.get('code') ?? '',
        entry.redirectUri,
        entry.codeVerifier,
      );
      assert.equal((await get(client)).statusCode, 200);
      const exchange = lib.auth.ledger.tokenRequests.find((request) => request.grant === 'authorization_code');
      assert.equal(exchange?.params.code_verifier, codeVerifier);
      assert.equal(exchange?.status, 200);
    });

    it('authorization_code: a wrong PKCE verifier is refused by the server (ERR_AUTH)', async () => {
      const client = await connect({ oauth2Grant: 'authorization_code', authorizeUrl: lib.auth.authorizeUrl });
      const redirectUri = 'http://127.0.0.1:1880/rest-connection/callback';
      const login = await oauth2(client).startAuthorization(redirectUri, 'some-state', createCodeVerifier());
      const back = await fetch(login, { redirect: 'manual' });
      const code = new URL(back.headers.get('location') ?? '').searchParams.get('code') ?? '';
      const err = await fails(oauth2(client).completeAuthorization(code, redirectUri, createCodeVerifier()));
      assert.equal(err.code, 'ERR_AUTH');
      assert.match(err.message, /invalid_request/);
    });
  });

  itShowsNoSecret(lib, 10);
});
