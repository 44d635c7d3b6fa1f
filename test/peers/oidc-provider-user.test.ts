/**
 * The OpenID Provider peer with a user: authorization code + PKCE through its login and consent
 * pages, refresh token rotation and reuse detection, the device flow, revocation, and an API that
 * checks tokens by introspection.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startIntrospectedApi, type IntrospectedApi } from '../support/peers/introspected-api';
import { startOidcProvider, STANDARD_SECRETS, type OidcProvider } from '../support/peers/oidc-provider';
import { LoginRefusedError, OidcUser } from '../support/peers/oidc-user-agent';
import { authorizationUrl, pkcePair, postForm, type ClientAuth } from './oauth-calls';

const REDIRECT_URI = 'http://127.0.0.1:9/callback';
const CONFIDENTIAL: ClientAuth = {
  method: 'client_secret_basic',
  clientId: 'confidential-basic',
  secret: STANDARD_SECRETS['confidential-basic'],
};
const PUBLIC: ClientAuth = { method: 'none', clientId: 'public-app' };
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** The answer of the device authorization endpoint (RFC 8628 §3.2). */
interface DeviceAuthorization {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
}

/** The device authorization answer's fields, each checked to be a string. */
function deviceAuthorization(body: Record<string, unknown>): DeviceAuthorization {
  const text = (name: keyof DeviceAuthorization): string => {
    const value = body[name];
    assert.ok(typeof value === 'string', `${name} in ${JSON.stringify(body)}`);
    return value;
  };
  return {
    device_code: text('device_code'),
    user_code: text('user_code'),
    verification_uri: text('verification_uri'),
    verification_uri_complete: text('verification_uri_complete'),
  };
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('peers: oidc-provider, a user logging in', function () {
  this.timeout(30000);
  let op: OidcProvider;
  let api: IntrospectedApi;

  before(async function () {
    op = await startOidcProvider({ redirectUris: [REDIRECT_URI] });
    api = await startIntrospectedApi(op);
  });
  after(async () => {
    await api?.close();
    await op?.close();
  });

  /** Logs alice in for `auth`'s client and exchanges the code; returns the token response. */
  async function logIn(auth: ClientAuth, user = new OidcUser()) {
    const { verifier, challenge } = pkcePair();
    const back = await user.authorize(
      authorizationUrl(op, {
        clientId: auth.clientId,
        redirectUri: REDIRECT_URI,
        scope: 'openid api:read',
        state: 'st-1',
        challenge,
      }),
    );
    assert.equal(back.error, undefined, back.errorDescription);
    const params = {
      grant_type: 'authorization_code',
      code: back.code!,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
    };
    const tokens = await postForm(op.endpoints.token, params, auth);
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    return tokens.body as {
      access_token: string;
      refresh_token: string;
      id_token: string;
      expires_in: number;
      scope: string;
    };
  }

  const refresh = (auth: ClientAuth, refreshToken: string) =>
    postForm(op.endpoints.token, { grant_type: 'refresh_token', refresh_token: refreshToken }, auth);

  const revoke = (token: string, hint: 'access_token' | 'refresh_token', auth: ClientAuth = CONFIDENTIAL) =>
    postForm(op.endpoints.revocation, { token, token_type_hint: hint }, auth);

  const callApi = (token: string) => fetch(`${api.url}/orders`, { headers: { authorization: `Bearer ${token}` } });

  it('logs in through the login and consent pages and redirects back with code, state and iss', async function () {
    const user = new OidcUser();
    const back = await user.authorize(
      authorizationUrl(op, {
        clientId: 'confidential-basic',
        redirectUri: REDIRECT_URI,
        scope: 'openid',
        state: 'xyz',
        challenge: pkcePair().challenge,
      }),
    );
    assert.equal(back.url.origin + back.url.pathname, REDIRECT_URI);
    assert.equal(back.state, 'xyz');
    assert.equal(back.iss, op.issuer);
    assert.match(back.code ?? '', /^[\w-]{20,}$/);
    assert.ok(
      user.visited.some((step) => /^POST .*\/interaction\/[\w-]+\/login$/.test(step)),
      user.visited.join('\n'),
    );
    assert.ok(
      user.visited.some((step) => /^POST .*\/interaction\/[\w-]+\/consent$/.test(step)),
      user.visited.join('\n'),
    );

    // Like a browser, the same user is still signed in and has consented: straight back with a code.
    const steps = user.visited.length;
    const again = await user.authorize(
      authorizationUrl(op, {
        clientId: 'confidential-basic',
        redirectUri: REDIRECT_URI,
        scope: 'openid',
        state: 'again',
        challenge: pkcePair().challenge,
      }),
    );
    assert.equal(again.state, 'again');
    assert.ok(again.code);
    assert.ok(
      !user.visited.slice(steps).some((step) => step.includes('/interaction/')),
      user.visited.slice(steps).join('\n'),
    );
  });

  it("with pkce: 'always', refuses a confidential client's authorization request without PKCE", async function () {
    const strict = await startOidcProvider({ redirectUris: [REDIRECT_URI], pkce: 'always' });
    try {
      const back = await new OidcUser().authorize(
        authorizationUrl(strict, {
          clientId: 'confidential-basic',
          redirectUri: REDIRECT_URI,
          scope: 'openid',
          state: 's',
        }),
      );
      assert.equal(back.error, 'invalid_request');
      assert.match(String(back.errorDescription), /PKCE/);
    } finally {
      await strict.close();
    }
  });

  it('exchanges a code with PKCE for a confidential client: access, refresh and ID token', async function () {
    const tokens = await logIn(CONFIDENTIAL);
    assert.equal(tokens.scope, 'openid api:read');
    assert.equal(tokens.expires_in, 60);
    assert.equal(typeof tokens.refresh_token, 'string');
    const [header = '', payload = '', signature = ''] = tokens.id_token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    assert.deepEqual([claims.iss, claims.sub, claims.aud], [op.issuer, 'alice', 'confidential-basic']);
    // Signed ES256 with the key the provider publishes.
    const { kid, alg } = JSON.parse(Buffer.from(header, 'base64url').toString()) as { kid: string; alg: string };
    assert.equal(alg, 'ES256');
    const { keys } = (await (await fetch(op.endpoints.jwks)).json()) as {
      keys: (crypto.JsonWebKey & { kid: string })[];
    };
    const key = crypto.createPublicKey({ key: keys.find((k) => k.kid === kid)!, format: 'jwk' });
    const signed = Buffer.from(`${header}.${payload}`);
    assert.ok(crypto.verify('sha256', signed, { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url')));
  });

  it('exchanges a code with PKCE for a public client that sends client_id and no secret', async function () {
    const tokens = await logIn(PUBLIC);
    assert.equal(typeof tokens.access_token, 'string');
    assert.equal(typeof tokens.refresh_token, 'string');
  });

  it('refuses a public client without PKCE, and a code exchanged with the wrong verifier', async function () {
    const withoutPkce = await new OidcUser().authorize(
      authorizationUrl(op, { clientId: 'public-app', redirectUri: REDIRECT_URI, scope: 'openid', state: 's' }),
    );
    assert.equal(withoutPkce.error, 'invalid_request');
    assert.match(String(withoutPkce.errorDescription), /PKCE/);

    const back = await new OidcUser().authorize(
      authorizationUrl(op, {
        clientId: 'public-app',
        redirectUri: REDIRECT_URI,
        scope: 'openid',
        state: 's',
        challenge: pkcePair().challenge,
      }),
    );
    const res = await postForm(
      op.endpoints.token,
      {
        grant_type: 'authorization_code',
        code: back.code!,
        redirect_uri: REDIRECT_URI,
        code_verifier: pkcePair().verifier,
      },
      PUBLIC,
    );
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'invalid_grant');
  });

  it('refuses a wrong password, and redirects with access_denied when the user denies consent', async function () {
    const url = authorizationUrl(op, {
      clientId: 'confidential-basic',
      redirectUri: REDIRECT_URI,
      scope: 'openid',
      state: 's',
    });
    await assert.rejects(new OidcUser({ password: 'guess' }).authorize(url), LoginRefusedError);
    const denied = await new OidcUser({ consent: 'deny' }).authorize(url);
    assert.equal(denied.error, 'access_denied');
    assert.equal(denied.state, 's');
  });

  it('rotates the refresh token on every use; each new access token works at the API', async function () {
    const first = await logIn(CONFIDENTIAL);
    const second = await refresh(CONFIDENTIAL, first.refresh_token);
    assert.equal(second.status, 200, JSON.stringify(second.body));
    assert.notEqual(second.body.refresh_token, first.refresh_token);
    const third = await refresh(CONFIDENTIAL, String(second.body.refresh_token));
    assert.equal(third.status, 200);
    assert.notEqual(third.body.refresh_token, second.body.refresh_token);
    const res = await callApi(String(third.body.access_token));
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      ok: true,
      sub: 'alice',
      clientId: 'confidential-basic',
      scope: 'openid api:read',
      path: '/orders',
    });
  });

  it('detects reuse of a rotated refresh token: invalid_grant, and the whole grant is revoked', async function () {
    for (const auth of [CONFIDENTIAL, PUBLIC]) {
      const first = await logIn(auth);
      const second = await refresh(auth, first.refresh_token);
      assert.equal(second.status, 200);
      const newestAccessToken = String(second.body.access_token);
      assert.equal((await callApi(newestAccessToken)).status, 200);

      const reused = await refresh(auth, first.refresh_token);
      assert.equal(reused.status, 400);
      assert.deepEqual(
        [reused.body.error, reused.body.error_description],
        ['invalid_grant', 'grant request is invalid'],
      );
      const reasons = op.events.filter((e) => e.clientId === auth.clientId).slice(-2);
      assert.deepEqual(
        reasons.map((e) => [e.name, e.errorDetail]),
        [
          ['grant.revoked', undefined],
          ['grant.error', 'refresh token already used'],
        ],
      );

      const newest = await refresh(auth, String(second.body.refresh_token));
      assert.equal(newest.status, 400, 'the newest refresh token died with the grant');
      assert.equal(newest.body.error, 'invalid_grant');
      assert.equal((await callApi(newestAccessToken)).status, 401, 'and so did its access token');
    }
  });

  it('keeps the same refresh token when rotation is off, and honours a 2 s access token lifetime', async function () {
    const shortLived = await startOidcProvider({
      redirectUris: [REDIRECT_URI],
      rotateRefreshToken: false,
      ttl: { accessToken: 2 },
    });
    const shortApi = await startIntrospectedApi(shortLived);
    try {
      const { verifier, challenge } = pkcePair();
      const back = await new OidcUser().authorize(
        authorizationUrl(shortLived, {
          clientId: 'confidential-basic',
          redirectUri: REDIRECT_URI,
          scope: 'openid',
          state: 's',
          challenge,
        }),
      );
      const params = {
        grant_type: 'authorization_code',
        code: back.code!,
        redirect_uri: REDIRECT_URI,
        code_verifier: verifier,
      };
      const tokens = (await postForm(shortLived.endpoints.token, params, CONFIDENTIAL)).body;
      assert.equal(tokens.expires_in, 2);
      const bearer = { authorization: `Bearer ${String(tokens.access_token)}` };
      assert.equal((await fetch(shortApi.url, { headers: bearer })).status, 200);
      await delay(3100);
      assert.equal((await fetch(shortApi.url, { headers: bearer })).status, 401, 'expired after 2 s');
      const again = await postForm(
        shortLived.endpoints.token,
        { grant_type: 'refresh_token', refresh_token: String(tokens.refresh_token) },
        CONFIDENTIAL,
      );
      assert.equal(again.status, 200);
      assert.equal(again.body.refresh_token, tokens.refresh_token);
    } finally {
      await shortApi.close();
      await shortLived.close();
    }
  });

  it('runs the device flow: pending until the user enters the code, then tokens', async function () {
    const start = await postForm(op.endpoints.deviceAuthorization, { scope: 'openid api:read' }, PUBLIC);
    assert.equal(start.status, 200, JSON.stringify(start.body));
    const { device_code, user_code, verification_uri, verification_uri_complete } = deviceAuthorization(start.body);
    assert.equal(verification_uri, `${op.issuer}/device`);
    assert.equal(verification_uri_complete, `${verification_uri}?user_code=${user_code}`);
    assert.equal(start.body.expires_in, 300);
    // oidc-provider sends no interval: RFC 8628 §3.2 says the client then polls every 5 s.
    assert.equal(start.body.interval, undefined);

    const poll = () => postForm(op.endpoints.token, { grant_type: DEVICE_GRANT, device_code }, PUBLIC);
    const pending = await poll();
    assert.deepEqual([pending.status, pending.body.error], [400, 'authorization_pending']);

    assert.equal(await new OidcUser().confirmDevice(verification_uri, user_code), 'Sign-in Success');
    const tokens = await poll();
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    assert.equal(tokens.body.scope, 'openid api:read');
    assert.equal((await callApi(String(tokens.body.access_token))).status, 200);
    const used = await poll();
    assert.equal(used.body.error, 'invalid_grant');
  });

  it('runs the device flow for a confidential client through verification_uri_complete', async function () {
    const start = await postForm(op.endpoints.deviceAuthorization, { scope: 'openid' }, CONFIDENTIAL);
    const { device_code, verification_uri_complete } = deviceAuthorization(start.body);
    assert.equal(await new OidcUser().confirmDevice(verification_uri_complete), 'Sign-in Success');
    const tokens = await postForm(op.endpoints.token, { grant_type: DEVICE_GRANT, device_code }, CONFIDENTIAL);
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
  });

  it('answers access_denied to the device when the user denies consent, and a wrong user code shows the form again', async function () {
    const start = await postForm(op.endpoints.deviceAuthorization, { scope: 'openid' }, PUBLIC);
    const { device_code, verification_uri, user_code } = deviceAuthorization(start.body);
    assert.equal(await new OidcUser().confirmDevice(verification_uri, 'WRONG-CODE'), 'The code is not valid');
    await new OidcUser({ consent: 'deny' }).confirmDevice(verification_uri, user_code);
    const res = await postForm(op.endpoints.token, { grant_type: DEVICE_GRANT, device_code }, PUBLIC);
    assert.equal(res.body.error, 'access_denied');
  });

  it('revoking an access token also revokes the refresh token of its grant (RFC 7009 §2.1 allows it), keeping the grant', async function () {
    const tokens = await logIn(CONFIDENTIAL);
    assert.equal((await callApi(tokens.access_token)).status, 200);
    const before = op.events.length;
    assert.equal((await revoke(tokens.access_token, 'access_token')).status, 200);
    assert.equal((await callApi(tokens.access_token)).status, 401);
    assert.equal((await refresh(CONFIDENTIAL, tokens.refresh_token)).body.error, 'invalid_grant');
    assert.ok(!op.events.slice(before).some((e) => e.name === 'grant.revoked'), 'the grant itself stays');
  });

  it('revoking a refresh token revokes the grant and its access tokens', async function () {
    const tokens = await logIn(CONFIDENTIAL);
    const before = op.events.length;
    assert.equal((await revoke(tokens.refresh_token, 'refresh_token')).status, 200);
    assert.equal((await refresh(CONFIDENTIAL, tokens.refresh_token)).body.error, 'invalid_grant');
    assert.equal((await callApi(tokens.access_token)).status, 401);
    assert.ok(op.events.slice(before).some((e) => e.name === 'grant.revoked'));
  });

  it('ignores a revocation by another client (answers 200, the token stays valid)', async function () {
    const tokens = await logIn(CONFIDENTIAL);
    const other: ClientAuth = {
      method: 'client_secret_post',
      clientId: 'confidential-post',
      secret: STANDARD_SECRETS['confidential-post'],
    };
    assert.equal((await revoke(tokens.access_token, 'access_token', other)).status, 200);
    assert.equal((await callApi(tokens.access_token)).status, 200);
  });

  it('the introspection-checked API refuses no token, an unknown one and a refresh token, and records what it saw', async function () {
    const tokens = await logIn(CONFIDENTIAL);
    const before = api.requests.length;
    assert.equal((await fetch(`${api.url}/x`)).status, 401);
    assert.equal((await callApi('not-a-token')).status, 401);
    const withRefresh = await callApi(tokens.refresh_token);
    assert.equal(withRefresh.status, 401);
    assert.equal(withRefresh.headers.get('www-authenticate'), 'Bearer error="invalid_token"');
    const cc = await postForm(op.endpoints.token, { grant_type: 'client_credentials' }, CONFIDENTIAL);
    assert.equal((await callApi(String(cc.body.access_token))).status, 200);
    assert.deepEqual(
      api.requests
        .slice(before)
        .map(({ path, active, sub, clientId, status }) => ({ path, active, sub, clientId, status })),
      [
        { path: '/x', active: false, sub: undefined, clientId: undefined, status: 401 },
        { path: '/orders', active: false, sub: undefined, clientId: undefined, status: 401 },
        { path: '/orders', active: false, sub: 'alice', clientId: 'confidential-basic', status: 401 },
        { path: '/orders', active: true, sub: undefined, clientId: 'confidential-basic', status: 200 },
      ],
    );
  });
});
