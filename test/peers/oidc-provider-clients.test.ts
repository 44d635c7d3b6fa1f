/** The OpenID Provider peer: discovery and each client authentication method at its token endpoint. */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import {
  startOidcProvider,
  standardClients,
  STANDARD_SECRETS,
  type OidcProvider,
} from '../support/peers/oidc-provider';
import { clientAssertion, postForm } from './oauth-calls';

const BASIC = {
  method: 'client_secret_basic',
  clientId: 'confidential-basic',
  secret: STANDARD_SECRETS['confidential-basic'],
} as const;
const POST = {
  method: 'client_secret_post',
  clientId: 'confidential-post',
  secret: STANDARD_SECRETS['confidential-post'],
} as const;

describe('peers: oidc-provider, discovery and client authentication', function () {
  this.timeout(20000);
  const jwtKey = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  let op: OidcProvider;

  before(async function () {
    op = await startOidcProvider({
      clients: [
        ...standardClients(['http://127.0.0.1/callback']),
        {
          client_id: 'jwt-client',
          token_endpoint_auth_method: 'private_key_jwt',
          token_endpoint_auth_signing_alg: 'ES256',
          jwks: { keys: [{ ...jwtKey.publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig' }] },
          grant_types: ['client_credentials'],
          response_types: [],
          redirect_uris: [],
        },
      ],
    });
  });
  after(() => op?.close());

  it('publishes its endpoints, grants and client authentication methods in discovery', async function () {
    const res = await fetch(op.endpoints.discovery);
    assert.equal(res.status, 200);
    const meta = (await res.json()) as Record<string, unknown> & {
      grant_types_supported: string[];
      token_endpoint_auth_methods_supported: string[];
    };
    assert.equal(meta.issuer, op.issuer);
    assert.equal(meta.token_endpoint, op.endpoints.token);
    assert.equal(meta.authorization_endpoint, op.endpoints.authorization);
    assert.equal(meta.revocation_endpoint, op.endpoints.revocation);
    assert.equal(meta.introspection_endpoint, op.endpoints.introspection);
    assert.equal(meta.device_authorization_endpoint, op.endpoints.deviceAuthorization);
    assert.equal(meta.jwks_uri, op.endpoints.jwks);
    assert.equal(meta.userinfo_endpoint, op.endpoints.userinfo);
    for (const grant of [
      'authorization_code',
      'refresh_token',
      'client_credentials',
      'urn:ietf:params:oauth:grant-type:device_code',
    ]) {
      assert.ok(meta.grant_types_supported.includes(grant), grant);
    }
    for (const method of ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none']) {
      assert.ok(meta.token_endpoint_auth_methods_supported.includes(method), method);
    }
    assert.deepEqual(meta.code_challenge_methods_supported, ['S256']);
  });

  for (const auth of [BASIC, POST]) {
    it(`issues a client_credentials token with ${auth.method}`, async function () {
      const res = await postForm(op.endpoints.token, { grant_type: 'client_credentials', scope: 'api:read' }, auth);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.token_type, 'Bearer');
      assert.equal(res.body.scope, 'api:read');
      assert.equal(res.body.expires_in, 60);
      assert.equal(typeof res.body.access_token, 'string');
      assert.equal(res.body.refresh_token, undefined);
    });

    it(`refuses ${auth.method} with a wrong secret: 401 invalid_client`, async function () {
      const res = await postForm(
        op.endpoints.token,
        { grant_type: 'client_credentials' },
        { ...auth, secret: 'wrong' },
      );
      assert.equal(res.status, 401);
      assert.equal(res.body.error, 'invalid_client');
    });
  }

  it('takes either secret method from a secret client (it does not hold a client to its registered one); events tell which was used', async function () {
    const res = await postForm(
      op.endpoints.token,
      { grant_type: 'client_credentials' },
      { ...BASIC, method: 'client_secret_post' },
    );
    assert.equal(res.status, 200);
    assert.deepEqual(op.events.at(-1), {
      name: 'grant.success',
      clientId: 'confidential-basic',
      grantType: 'client_credentials',
      clientAuth: 'client_secret_post',
    });
  });

  it('refuses a public client that sends Basic with an empty secret (RFC 6749 §2.3: send client_id in the body)', async function () {
    const res = await postForm(
      op.endpoints.token,
      { grant_type: 'refresh_token', refresh_token: 'anything' },
      { method: 'client_secret_basic', clientId: 'public-app', secret: '' },
    );
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'invalid_request');
    assert.match(String(res.body.error_description), /client_secret must be provided in the Authorization header/);
  });

  it('issues a token to a private_key_jwt client for an assertion signed with its key, to the token endpoint or issuer', async function () {
    for (const audience of [op.endpoints.token, op.issuer]) {
      const assertion = clientAssertion('jwt-client', audience, jwtKey.privateKey, 'k1');
      const res = await postForm(
        op.endpoints.token,
        { grant_type: 'client_credentials' },
        { method: 'private_key_jwt', clientId: 'jwt-client', assertion },
      );
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.token_type, 'Bearer');
    }
  });

  it('refuses a private_key_jwt assertion signed with another key, and a replayed one', async function () {
    const stranger = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const forged = clientAssertion('jwt-client', op.endpoints.token, stranger, 'k1');
    const refused = await postForm(
      op.endpoints.token,
      { grant_type: 'client_credentials' },
      { method: 'private_key_jwt', clientId: 'jwt-client', assertion: forged },
    );
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error, 'invalid_client');

    const assertion = clientAssertion('jwt-client', op.endpoints.token, jwtKey.privateKey, 'k1');
    const auth = { method: 'private_key_jwt', clientId: 'jwt-client', assertion } as const;
    assert.equal((await postForm(op.endpoints.token, { grant_type: 'client_credentials' }, auth)).status, 200);
    const replay = await postForm(op.endpoints.token, { grant_type: 'client_credentials' }, auth);
    assert.equal(replay.status, 401);
    assert.equal(replay.body.error, 'invalid_client');
  });

  it('records each token endpoint result with the client authentication used', async function () {
    const before = op.events.length;
    await postForm(op.endpoints.token, { grant_type: 'client_credentials' }, BASIC);
    await postForm(op.endpoints.token, { grant_type: 'client_credentials' }, { ...POST, secret: 'nope' });
    assert.deepEqual(op.events.slice(before), [
      {
        name: 'grant.success',
        clientId: 'confidential-basic',
        grantType: 'client_credentials',
        clientAuth: 'client_secret_basic',
      },
      {
        name: 'grant.error',
        clientId: 'confidential-post',
        grantType: 'client_credentials',
        clientAuth: 'client_secret_post',
        error: 'invalid_client',
        errorDescription: 'client authentication failed',
        errorDetail: 'invalid secret provided',
      },
    ]);
  });
});
