/**
 * A public OAuth2 client (RFC 6749 §2.1: no secret) against a token endpoint that authenticates
 * clients as the RFC says (§2.3): it refuses `Authorization: Basic base64("id:")` with
 * invalid_request and accepts `client_id` in the body. Login (authorization code + PKCE), refresh
 * and revocation all identify the client by `client_id` in the body, with no Authorization
 * header and no empty `client_secret`, whether clientAuth says `none` or the secret is just empty.
 */
import assert from 'node:assert/strict';
import type { OAuth2Auth } from '../../lib/auth/oauth2';
import { createCodeVerifier } from '../../lib/oauth2/authorization-requests';
import type { ConnectionCredentials, ConnectionProperties } from '../../lib/types';
import { useOAuth2Library } from './library-harness';

const REDIRECT_URI = 'http://127.0.0.1:1880/rest-connection/callback';

describe('oauth2: a public client (no client secret)', function () {
  const lib = useOAuth2Library();

  async function connect(overrides: Partial<ConnectionProperties>, credentials: ConnectionCredentials) {
    const settings = {
      oauth2Grant: 'authorization_code',
      authorizeUrl: lib.auth.authorizeUrl,
      revokeUrl: lib.auth.revokeUrl,
    };
    const client = await lib.connect({ ...settings, ...overrides }, credentials, { connectionId: 'public-client' });
    return { client, oauth2: lib.oauth2(client) };
  }

  /** The user's login at the provider: the authorization URL answers a redirect carrying the code. */
  async function logIn(oauth2: OAuth2Auth): Promise<void> {
    const codeVerifier = createCodeVerifier();
    const login = await oauth2.startAuthorization(REDIRECT_URI, 'state-1', codeVerifier);
    const back = await fetch(login, { redirect: 'manual' });
    const code = new URL(back.headers.get('location') ?? '').searchParams.get('code') ?? '';
    await oauth2.completeAuthorization(code, REDIRECT_URI, codeVerifier);
  }

  /** What a public client must send: client_id in the body, no Authorization header, no client_secret. */
  function assertPublicClientRequest(entry: { clientAuth: string; clientId?: string; params: object; status: number }) {
    assert.equal(entry.clientAuth, 'none', 'no Authorization header and no client_secret');
    assert.equal(entry.clientId, lib.auth.publicClientId, 'client_id in the body');
    assert.equal('client_secret' in entry.params, false, 'not even an empty client_secret');
    assert.equal(entry.status, 200);
  }

  const cases: [title: string, props: Partial<ConnectionProperties>, secret: string | undefined][] = [
    ['clientAuth none', { clientAuth: 'none' }, undefined],
    ['clientAuth header (the default) with an empty secret', { clientAuth: 'header' }, ''],
    ['clientAuth body with an empty secret', { clientAuth: 'body' }, ''],
    ['clientAuth none ignores a secret that is set', { clientAuth: 'none' }, 'a-secret-it-must-not-send'],
  ];
  for (const [title, props, clientSecret] of cases) {
    it(`${title}: login with PKCE, refresh and revoke send client_id in the body only`, async () => {
      const credentials = { clientId: lib.auth.publicClientId, clientSecret };
      const { client, oauth2 } = await connect(props, credentials);
      await logIn(oauth2);
      const [exchange] = lib.auth.ledger.tokenRequests;
      assert.ok(exchange, 'a token request was made');
      assert.equal(exchange.grant, 'authorization_code');
      assert.ok(exchange.params.code_verifier, 'PKCE verifier sent');
      assertPublicClientRequest(exchange);
      assert.equal((await client.request({ method: 'GET', path: '/data' })).statusCode, 200);

      lib.api.reject(lib.api.requests.at(-1)?.token ?? '');
      assert.equal((await client.request({ method: 'GET', path: '/data' })).statusCode, 200, 'renewed after a 401');
      const refresh = lib.auth.ledger.tokenRequests[1];
      assert.ok(refresh, 'a refresh request was made');
      assert.equal(refresh.grant, 'refresh_token');
      assertPublicClientRequest(refresh);

      assert.deepEqual((await oauth2.revoke()).revoked, ['refresh_token', 'access_token']);
      for (const revocation of lib.auth.ledger.revocations) {
        assert.equal(revocation.clientAuth, 'none');
        assert.equal(revocation.client_id, lib.auth.publicClientId);
        assert.equal('client_secret' in revocation, false);
        assert.equal(revocation.status, 200);
      }
      assert.equal(lib.auth.ledger.revocations.length, 2);
    });
  }

  it('revoke alone (deployed refresh token, empty secret): client_id in the body, no Authorization header', async () => {
    const refreshToken = lib.auth.issueRefreshToken('public-client-deployed-refresh-token');
    const { oauth2 } = await connect(
      { oauth2Grant: 'refresh_token' },
      { clientId: lib.auth.publicClientId, clientSecret: '', refreshToken },
    );
    assert.deepEqual((await oauth2.revoke()).revoked, ['refresh_token']);
    const [revocation] = lib.auth.ledger.revocations;
    assert.ok(revocation, 'a revocation was made');
    assert.equal(revocation.token, refreshToken);
    assert.equal(revocation.clientAuth, 'none');
    assert.equal(revocation.client_id, lib.auth.publicClientId);
    assert.equal(revocation.status, 200);
  });

  it('a confidential client with a secret still authenticates with it (header and body)', async () => {
    const credentials = { clientId: lib.auth.clientId, clientSecret: lib.auth.clientSecret };
    for (const clientAuth of ['header', 'body'] as const) {
      lib.auth.reset();
      const { oauth2 } = await connect({ clientAuth }, credentials);
      await logIn(oauth2);
      await oauth2.revoke();
      const [login] = lib.auth.ledger.tokenRequests;
      assert.ok(login, 'a token request was made');
      assert.equal(login.clientAuth, clientAuth);
      assert.equal(login.status, 200);
      assert.deepEqual(
        lib.auth.ledger.revocations.map((entry) => [entry.clientAuth, entry.status]),
        [
          [clientAuth, 200],
          [clientAuth, 200],
        ],
      );
    }
  });

  it('the test token endpoint refuses Basic base64("id:") with invalid_request, as a standards-following provider does', async () => {
    const response = await fetch(lib.auth.tokenUrl, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${lib.auth.publicClientId}:`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials' }).toString(),
    });
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { error: string }).error, 'invalid_request');
  });

  it('an unknown clientAuth is ERR_CONFIG when the connection is created', async () => {
    await assert.rejects(
      connect({ clientAuth: 'tls_client_auth' as never }, { clientId: lib.auth.publicClientId }),
      (err: { code?: string; message?: string }) => err.code === 'ERR_CONFIG' && /clientAuth/.test(err.message ?? ''),
    );
  });
});
