/**
 * OAuth2 through the library (RestClient + the oauth2 strategy), against a real authorization
 * server (oauth2-mock-server) and an API that verifies the JWTs it receives.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { OAuth2Auth } from '../../lib/auth/oauth2';
import type { AuthContext } from '../../lib/auth/auth-context';
import { connectionDefaults } from '../../lib/definitions';
import { RestError } from '../../lib/errors';
import { RestClient, type ClientOptions } from '../../lib/http/rest-client';
import { PendingAuthorizations, createCodeVerifier } from '../../lib/oauth2/authorization-requests';
import { DurableTokenStore } from '../../lib/oauth2/token-store';
import type { ConnectionCredentials, ConnectionProperties } from '../../lib/types';
import { startAuthServer, type AuthServer } from '../support/oauth2-server';
import { startProtectedApi, type ProtectedApi } from '../support/oauth2-api';
import { createPeerDir, removePeerDir } from '../support/peers/peer-dir';
import { assertNoSecret } from '../support/secret-scan';

const PASSWORD = 'user-password-value';

type State = Parameters<NonNullable<AuthContext['onStateChange']>>[0];
/** A client with the states it reported, oldest first. */
type Client = RestClient & { states: State[] };

/** The agent method the test watches (Node's http.Agent has it, @types/node does not declare it). */
type WatchedAgent = http.Agent & { addRequest: (this: http.Agent, ...args: unknown[]) => unknown };

describe('OAuth2 (library)', function () {
  let auth: AuthServer;
  let api: ProtectedApi;
  let userDir: string;
  const clients: RestClient[] = [];
  const seen: string[] = []; // every warning, state and error message: scanned for secrets at the end

  before(async () => {
    auth = await startAuthServer();
    api = await startProtectedApi(auth);
    userDir = createPeerDir('oauth2');
  });
  beforeEach(() => auth.reset());
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });
  after(async () => {
    await api.close();
    await auth.stop();
    removePeerDir(userDir);
  });

  function props(overrides: object = {}): ConnectionProperties {
    return {
      ...connectionDefaults,
      baseUrl: api.url,
      authType: 'oauth2',
      oauth2Grant: 'client_credentials',
      tokenUrl: auth.tokenUrl,
      timeout: 3000,
      retries: 0,
      ...overrides,
    };
  }
  const clientCredentials = (extra: ConnectionCredentials = {}): ConnectionCredentials => ({
    clientId: auth.clientId,
    clientSecret: auth.clientSecret,
    ...extra,
  });

  async function connect(
    overrides: object = {},
    credentials = clientCredentials(),
    options: Pick<ClientOptions, 'connectionId' | 'tokenStore'> = {},
  ): Promise<Client> {
    const states: State[] = [];
    const client = await RestClient.create(props(overrides), credentials, {
      connectionId: options.connectionId ?? 'conn-1',
      warn: (message) => seen.push(message),
      tokenStore: options.tokenStore,
      onStateChange: (state) => {
        states.push(state);
        seen.push(state.text);
      },
    });
    clients.push(client);
    return Object.assign(client, { states });
  }

  /** The error `promise` fails with, which must be a RestError; fails when it succeeds. */
  async function fails(promise: Promise<unknown>): Promise<RestError> {
    try {
      await promise;
    } catch (err) {
      assert.ok(err instanceof RestError, `not a RestError: ${String(err)}`);
      seen.push(err.message, err.responseBody ?? '');
      return err;
    }
    assert.fail('expected a failure');
  }

  /** The client's OAuth2 strategy. */
  function oauth2(client: RestClient): OAuth2Auth {
    assert.ok(client.auth instanceof OAuth2Auth);
    return client.auth;
  }

  const get = (client: RestClient, path = '/data') => client.request({ method: 'GET', path });
  const lastToken = () => api.requests.at(-1)!.token;
  /** The n-th token request the server received. */
  const tokenRequest = (n: number) => {
    const entry = auth.ledger.tokenRequests[n];
    assert.ok(entry, `token request ${n} was made`);
    return entry;
  };

  describe('grants', () => {
    it('client_credentials: the API gets a verified token; scope, tokenParams and client_secret_basic reach the server', async () => {
      const client = await connect({ scope: 'read write', tokenParams: [{ name: 'audience', value: 'https://api' }] });
      const response = await get(client);
      assert.equal(response.statusCode, 200);
      assert.equal((response.json() as { ok: boolean }).ok, true);
      await get(client);
      assert.equal(auth.count(), 1, 'the token is cached');
      const request = tokenRequest(0);
      assert.equal(request.grant, 'client_credentials');
      assert.equal(request.clientAuth, 'header');
      assert.equal(request.params.scope, 'read write');
      assert.equal(request.params.audience, 'https://api');
      assert.equal(request.params.client_secret, undefined, 'the secret is not in the body');
    });

    it("token requests go through the connection's own agents (same pool, so same proxy and TLS)", async () => {
      const client = await connect();
      const agent = client.transport.agentsFor(new URL(auth.tokenUrl)).http as WatchedAgent;
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
      assert.equal(request.params.client_id, auth.clientId);
    });

    it('a wrong client secret is ERR_AUTH naming invalid_client, without the secret', async () => {
      const client = await connect({}, clientCredentials({ clientSecret: 'wrong-secret-value' }));
      const err = await fails(get(client));
      assert.equal(err.code, 'ERR_AUTH');
      assert.match(err.message, /invalid_client/);
      assert.equal(err.statusCode, 401);
      assertNoSecret(err, ['wrong-secret-value'], { users: [auth.clientId] });
    });

    it('password: username and password reach the token endpoint; a wrong password is ERR_AUTH', async () => {
      const client = await connect(
        { oauth2Grant: 'password' },
        clientCredentials({ username: 'ada', password: PASSWORD }),
      );
      await get(client);
      assert.equal(api.requests.at(-1)?.status, 200);
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
      const initial = auth.issueRefreshToken('initial-refresh-token-1');
      const client = await connect({ oauth2Grant: 'refresh_token' }, clientCredentials({ refreshToken: initial }));
      await get(client);
      api.reject(lastToken());
      await get(client); // 401, renew with the rotated refresh token, retry
      const refreshes = auth.ledger.tokenRequests.filter((entry) => entry.grant === 'refresh_token');
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
          authorizeUrl: auth.authorizeUrl,
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
      assert.equal(login.searchParams.get('client_id'), auth.clientId);
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
      const exchange = auth.ledger.tokenRequests.find((request) => request.grant === 'authorization_code');
      assert.equal(exchange?.params.code_verifier, codeVerifier);
      assert.equal(exchange?.status, 200);
    });

    it('authorization_code: a wrong PKCE verifier is refused by the server (ERR_AUTH)', async () => {
      const client = await connect({ oauth2Grant: 'authorization_code', authorizeUrl: auth.authorizeUrl });
      const redirectUri = 'http://127.0.0.1:1880/rest-connection/callback';
      const login = await oauth2(client).startAuthorization(redirectUri, 'some-state', createCodeVerifier());
      const back = await fetch(login, { redirect: 'manual' });
      const code = new URL(back.headers.get('location') ?? '').searchParams.get('code') ?? '';
      const err = await fails(oauth2(client).completeAuthorization(code, redirectUri, createCodeVerifier()));
      assert.equal(err.code, 'ERR_AUTH');
      assert.match(err.message, /invalid_request/);
    });
  });

  describe('token responses', () => {
    it('reads a nested answer with custom JSONPaths ({"data":{"token","ttl","renew"}})', async () => {
      auth.behaviour.shape = (body) => ({ data: { token: body.access_token, ttl: 2, renew: body.refresh_token } });
      const initial = auth.issueRefreshToken('nested-refresh-token-1');
      const client = await connect(
        {
          oauth2Grant: 'refresh_token',
          accessTokenPath: '$.data.token',
          refreshTokenPath: '$.data.renew',
          expiresInPath: '$.data.ttl',
        },
        clientCredentials({ refreshToken: initial }),
      );
      await get(client);
      assert.equal(api.requests.at(-1)?.status, 200);
      await new Promise<void>((resolve) => setTimeout(resolve, 1900)); // ttl 2 s: inside the refresh skew
      await get(client);
      assert.equal(auth.count('refresh_token'), 2, 'ttl was read from $.data.ttl');
      assert.equal(tokenRequest(1).params.refresh_token, tokenRequest(0).refreshToken);
    });

    it('reads a form-encoded answer (application/x-www-form-urlencoded, like GitHub)', async () => {
      auth.behaviour.form = true;
      const client = await connect();
      assert.equal((await get(client)).statusCode, 200);
    });

    it('an answer without the access token at accessTokenPath is ERR_AUTH naming the path', async () => {
      const client = await connect({ accessTokenPath: '$.data.token' });
      const err = await fails(get(client));
      assert.equal(err.code, 'ERR_AUTH');
      assert.match(err.message, /\$\.data\.token/);
    });

    it('an invalid JSONPath is ERR_JSONPATH', async () => {
      const client = await connect({ accessTokenPath: '$..[?(@.a==' });
      const err = await fails(get(client));
      assert.equal(err.code, 'ERR_JSONPATH');
    });
  });

  describe('discovery', () => {
    it('fills the token and revocation endpoints from the discovery document', async () => {
      const client = await connect({ tokenUrl: '', discoveryUrl: auth.url });
      assert.equal((await get(client)).statusCode, 200);
      const endpoints = await oauth2(client).endpoints();
      assert.equal(endpoints.tokenUrl, auth.tokenUrl);
      assert.equal(endpoints.revokeUrl, auth.revokeUrl);
      assert.equal(endpoints.authorizeUrl, auth.authorizeUrl);
      assert.equal(endpoints.issuer, auth.url);
    });

    it('explicit endpoints win over discovered ones', async () => {
      const client = await connect({ discoveryUrl: auth.discoveryUrl, revokeUrl: `${auth.url}/custom-revoke` });
      const endpoints = await oauth2(client).endpoints();
      assert.equal(endpoints.revokeUrl, `${auth.url}/custom-revoke`);
      assert.equal(endpoints.tokenUrl, auth.tokenUrl);
    });

    it('a discovery URL that answers 404 is ERR_CONFIG; one that is unreachable is ERR_NETWORK', async () => {
      const missing = await connect({
        tokenUrl: '',
        discoveryUrl: `${auth.url}/nothing/here/.well-known/openid-configuration`,
      });
      assert.equal((await fails(get(missing))).code, 'ERR_CONFIG');
      const down = await connect({ tokenUrl: '', discoveryUrl: 'http://127.0.0.1:1/' }, clientCredentials(), {
        connectionId: 'c2',
      });
      assert.equal((await fails(get(down))).code, 'ERR_NETWORK');
    });
  });

  describe('token lifecycle', () => {
    it('refreshes ahead of expiry: with expires_in 2 s the second request gets a new token before any 401', async () => {
      auth.behaviour.expiresIn = 2;
      const client = await connect();
      const before = api.requests.length;
      await get(client);
      await new Promise<void>((resolve) => setTimeout(resolve, 1900));
      await get(client);
      assert.equal(auth.count(), 2);
      const requests = api.requests.slice(before);
      assert.deepEqual(
        requests.map((request) => request.status),
        [200, 200],
        'no request was rejected',
      );
      assert.notEqual(requests[0]?.token, requests[1]?.token);
    });

    it('without expires_in the token is used until a 401, then renewed once and the request retried', async () => {
      auth.behaviour.expiresIn = null;
      const client = await connect();
      await get(client);
      await get(client);
      assert.equal(auth.count(), 1);
      api.reject(lastToken());
      const before = api.requests.length;
      const response = await get(client);
      assert.equal(response.statusCode, 200);
      assert.deepEqual(
        api.requests.slice(before).map((request) => request.status),
        [401, 200],
      );
      assert.equal(auth.count(), 2);
    });

    it('a 403 saying invalid_token renews; any other 403 does not', async () => {
      const client = await connect();
      await get(client);
      api.forbiddenBody = { error: 'invalid_token', error_description: 'The access token expired' };
      api.reject(lastToken());
      assert.equal((await get(client)).statusCode, 200);
      assert.equal(auth.count(), 2);
      api.forbiddenBody = { error: 'insufficient_scope' };
      api.reject(lastToken());
      const err = await fails(get(client));
      assert.equal(err.code, 'ERR_HTTP_STATUS');
      assert.equal(err.statusCode, 403);
      assert.equal(auth.count(), 2, 'no token request for a plain 403');
      api.forbiddenBody = null;
    });

    it('200 concurrent requests make exactly one token request, and 200 concurrent 401s exactly one renewal', async () => {
      const client = await connect();
      const first = await Promise.all(Array.from({ length: 200 }, () => get(client)));
      assert.ok(first.every((response) => response.statusCode === 200));
      assert.equal(auth.count(), 1);
      api.reject(lastToken());
      const second = await Promise.all(Array.from({ length: 200 }, () => get(client)));
      assert.ok(second.every((response) => response.statusCode === 200));
      assert.equal(auth.count(), 2);
    });

    it('token endpoint down: clear ERR_NETWORK, no cached failure, the next request works once it is back', async () => {
      const client = await connect();
      await auth.stop();
      try {
        const err = await fails(get(client));
        assert.equal(err.code, 'ERR_NETWORK');
        assert.match(err.message, /token endpoint/);
        assert.equal((await fails(get(client))).code, 'ERR_NETWORK', 'tried again, still down');
      } finally {
        await auth.start();
      }
      assert.equal((await get(client)).statusCode, 200);
    });
  });

  describe('durable token store', () => {
    const store = () => ({
      directory: path.join(userDir, 'rest-connection-tokens'),
      secret: 'node-red-credential-secret',
    });

    it('a rotated refresh token survives a restart, encrypted at rest; the old one is refused by the server', async () => {
      const deployed = auth.issueRefreshToken('deployed-refresh-token-1');
      const creds = clientCredentials({ refreshToken: deployed });
      const first = await connect({ oauth2Grant: 'refresh_token' }, creds, {
        connectionId: 'restart',
        tokenStore: store(),
      });
      await get(first);
      const rotated = tokenRequest(0).refreshToken ?? '';
      assert.equal(auth.liveRefreshTokens.has(deployed), false, 'the server retired the deployed token');
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
      assert.equal(auth.count(), 1, 'the stored access token is still valid: no token request');
      api.reject(lastToken());
      await get(second);
      assert.equal(tokenRequest(1).params.refresh_token, rotated);
      assert.equal(tokenRequest(1).status, 200);
    });

    it('a NEW refresh token deployed in the editor wins over the stored one', async () => {
      const old = auth.issueRefreshToken('old-refresh-token-2');
      const first = await connect({ oauth2Grant: 'refresh_token' }, clientCredentials({ refreshToken: old }), {
        connectionId: 'redeploy',
        tokenStore: store(),
      });
      await get(first);
      await first.close();
      const fresh = auth.issueRefreshToken('brand-new-refresh-token-3');
      const second = await connect({ oauth2Grant: 'refresh_token' }, clientCredentials({ refreshToken: fresh }), {
        connectionId: 'redeploy',
        tokenStore: store(),
      });
      await get(second);
      assert.equal(auth.ledger.tokenRequests.at(-1)?.params.refresh_token, fresh);
    });

    it('a store written with another secret is ignored with a warning, not a crash', async () => {
      const deployed = auth.issueRefreshToken('deployed-refresh-token-4');
      const first = await connect({ oauth2Grant: 'refresh_token' }, clientCredentials({ refreshToken: deployed }), {
        connectionId: 'other-secret',
        tokenStore: store(),
      });
      await get(first);
      await first.close();
      const warnings = seen.length;
      auth.issueRefreshToken(deployed);
      const second = await connect({ oauth2Grant: 'refresh_token' }, clientCredentials({ refreshToken: deployed }), {
        connectionId: 'other-secret',
        tokenStore: { ...store(), secret: 'a-different-secret' },
      });
      await get(second);
      assert.match(seen.slice(warnings).join('\n'), /Could not read the OAuth2 token store/);
    });
  });

  describe('a refused refresh token', () => {
    const changes: object[] = []; // what Node-RED's in-memory credentials would be told
    const store = (): ClientOptions['tokenStore'] => ({
      directory: path.join(userDir, 'refused-refresh-tokens'),
      secret: 'node-red-credential-secret',
      onTokensChanged: (connectionId, tokens) => changes.push({ connectionId, ...tokens }),
    });
    const grants = () => auth.ledger.tokenRequests.map((request) => `${request.grant}:${request.status}`);
    // expires_in 2 s: refreshed ahead from 1.8 s on (the JWT itself may expire from 1 s on).
    const expire = () => new Promise<void>((resolve) => setTimeout(resolve, 1900));
    const revokeAll = () => auth.liveRefreshTokens.clear();

    it('password: the next burst gets a fresh pair with the password (one flight), also after a restart', async () => {
      auth.behaviour.expiresIn = 2;
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
      auth.behaviour.expiresIn = 2;
      auth.behaviour.clientCredentialsRefresh = true;
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
      api.reject(lastToken());
      assert.equal((await get(client)).statusCode, 200);
      assert.deepEqual(grants(), ['password:200', 'refresh_token:400', 'password:200']);
    });

    it('refresh_token grant: ERR_AUTH once, then the refused token is never sent again, not even after a restart', async () => {
      const deployed = auth.issueRefreshToken('deployed-refresh-token-5');
      const creds = clientCredentials({ refreshToken: deployed });
      const options = { connectionId: 'refresh-refused', tokenStore: store() };
      const client = await connect({ oauth2Grant: 'refresh_token' }, creds, options);
      await get(client);
      revokeAll();
      api.reject(lastToken());
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

  describe('redeploy during a token request', () => {
    const store = () => ({ directory: path.join(userDir, 'redeploy-tokens'), secret: 'node-red-credential-secret' });

    it('close waits for the refresh in flight and stores the rotated token; the new connection uses it', async () => {
      const deployed = auth.issueRefreshToken('deployed-refresh-token-7');
      const creds = clientCredentials({ refreshToken: deployed });
      const options = { connectionId: 'redeploy-in-flight', tokenStore: store() };
      const old = await connect({ oauth2Grant: 'refresh_token' }, creds, options);
      await get(old);
      auth.behaviour.answerDelayMs = 400;
      api.reject(lastToken());
      const pending = get(old).catch((err: unknown) => err); // its API request may meet the closed connection
      while (auth.count() < 2) await new Promise<void>((resolve) => setTimeout(resolve, 10));
      assert.equal(tokenRequest(1).status, 200, 'the server rotated; its answer is on the way');
      await old.close(); // what Node-RED's close handler does on a redeploy
      await pending;
      const rotated = tokenRequest(1).refreshToken;

      auth.behaviour.answerDelayMs = 0;
      const renewed = await connect({ oauth2Grant: 'refresh_token' }, creds, options);
      assert.equal((await get(renewed)).statusCode, 200, 'the access token obtained during the close is valid');
      api.reject(lastToken());
      assert.equal((await get(renewed)).statusCode, 200);
      assert.equal(tokenRequest(2).params.refresh_token, rotated);
      assert.equal(auth.count(), 3);
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

  describe('revocation', () => {
    it('revokes the refresh and access tokens (RFC 7009) and forgets them', async () => {
      const initial = auth.issueRefreshToken('refresh-token-to-revoke');
      const client = await connect(
        { oauth2Grant: 'refresh_token', revokeUrl: auth.revokeUrl },
        clientCredentials({ refreshToken: initial }),
      );
      await get(client);
      const { refreshToken, accessToken } = tokenRequest(0);
      const result = await oauth2(client).revoke();
      assert.deepEqual(result.revoked, ['refresh_token', 'access_token']);
      assert.deepEqual(
        auth.ledger.revocations.map(({ token, token_type_hint, clientAuth }) => ({
          token,
          token_type_hint,
          clientAuth,
        })),
        [
          { token: refreshToken, token_type_hint: 'refresh_token', clientAuth: 'header' },
          { token: accessToken, token_type_hint: 'access_token', clientAuth: 'header' },
        ],
      );
      const err = await fails(get(client));
      assert.equal(err.code, 'ERR_AUTH', 'forgotten: no token left');
    });
  });

  describe('bad settings', () => {
    const cases: [string, object, () => ConnectionCredentials, string][] = [
      ['no token URL nor discovery URL', { tokenUrl: '' }, () => clientCredentials(), 'ERR_CONFIG'],
      ['no client ID', {}, () => ({ clientSecret: 'x-secret' }), 'ERR_CONFIG'],
      ['password grant without username', { oauth2Grant: 'password' }, () => clientCredentials(), 'ERR_CONFIG'],
      ['unknown grant', { oauth2Grant: 'implicit' }, () => clientCredentials(), 'ERR_CONFIG'],
    ];
    for (const [title, overrides, credentials, code] of cases) {
      it(`${title} is ${code} when the connection is created`, async () => {
        const err = await fails(connect(overrides, credentials()));
        assert.equal(err.code, code);
      });
    }

    it('a token URL that is not http(s) is ERR_CONFIG on the first request', async () => {
      const client = await connect({ tokenUrl: 'ftp://example.com/token' });
      assert.equal((await fails(get(client))).code, 'ERR_CONFIG');
    });

    it('refresh_token grant without any refresh token is ERR_AUTH with the state "authorization needed"', async () => {
      const client = await connect({ oauth2Grant: 'refresh_token' });
      const err = await fails(get(client));
      assert.equal(err.code, 'ERR_AUTH');
      assert.equal(client.states.at(-1)?.text, 'authorization needed');
    });
  });

  describe('secrets', () => {
    it('no secret or token appears in any error, warning or state seen above', () => {
      const secrets = [auth.clientSecret, PASSWORD, 'not-the-password', 'wrong-secret-value', ...auth.issuedSecrets()];
      secrets.push('revoked-refresh-token-9', 'deployed-refresh-token-1', 'initial-refresh-token-1');
      secrets.push('deployed-refresh-token-5', 'revoked-refresh-token-6', 'deployed-refresh-token-7');
      const text = seen.join('\n');
      assert.ok(seen.length > 10, 'something was captured');
      assertNoSecret(text, secrets, { users: [auth.clientId, 'ada'] });
    });
  });
});
