/**
 * `clientAuth: private_key_jwt` (RFC 7523 §2.2) against a certified OpenID Provider
 * (oidc-provider) that holds the client's public keys: ES256, RS256 and PS256 clients get tokens;
 * each request carries a fresh assertion (the provider refuses a replayed jti, so a renewal
 * proves it); a key the provider does not know is ERR_AUTH without the key in any text; bad
 * keys and algorithms are ERR_CONFIG when the connection is built.
 */
import assert from 'node:assert/strict';
import { OAuth2Auth } from '../../lib/auth/oauth2';
import { connectionDefaults } from '../../lib/definitions';
import { RestClient } from '../../lib/http/rest-client';
import type { ConnectionCredentials, ConnectionProperties, JwtAlgorithm } from '../../lib/types';
import { startOidcProvider, type OidcProvider } from '../support/peers/oidc-provider';
import { ecKey, pemSecrets, rsaKey, type TestKey } from './jwt-keys';
import { assertNoSecret } from './no-secret';
import { startRecordingServer, type RecordingServer } from './recording-server';

describe('oauth2: private_key_jwt client authentication (oidc-provider)', function () {
  this.timeout(20000);
  const es = ecKey('es-key');
  const rsa = rsaKey('rsa-key');
  let op: OidcProvider;
  let api: RecordingServer;
  let rejectNext = false;
  const clients: RestClient[] = [];

  function jwtClient(id: string, alg: JwtAlgorithm, key: TestKey) {
    return {
      client_id: id,
      token_endpoint_auth_method: 'private_key_jwt' as const,
      token_endpoint_auth_signing_alg: alg,
      jwks: { keys: [key.jwk as never] },
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
    };
  }

  before(async () => {
    op = await startOidcProvider({
      clients: [jwtClient('jwt-es', 'ES256', es), jwtClient('jwt-rs', 'RS256', rsa), jwtClient('jwt-ps', 'PS256', rsa)],
    });
    api = await startRecordingServer(() => {
      if (!rejectNext) return { body: { ok: true } };
      rejectNext = false;
      return { status: 401, body: { error: 'invalid_token' } };
    });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });
  after(async () => {
    await api?.close();
    await op?.close();
  });

  async function connect(overrides: Partial<ConnectionProperties>, credentials: ConnectionCredentials) {
    const props: ConnectionProperties = {
      ...connectionDefaults,
      baseUrl: api.url,
      authType: 'oauth2',
      oauth2Grant: 'client_credentials',
      discoveryUrl: op.endpoints.discovery,
      clientAuth: 'private_key_jwt',
      scope: 'api:read',
      timeout: 5000,
      retries: 0,
      ...overrides,
    };
    const client = await RestClient.create(props, credentials, { connectionId: 'private-key-jwt' });
    clients.push(client);
    return client;
  }

  const cases: [JwtAlgorithm, string, TestKey][] = [
    ['ES256', 'jwt-es', es],
    ['RS256', 'jwt-rs', rsa],
    ['PS256', 'jwt-ps', rsa],
  ];
  for (const [alg, clientId, key] of cases) {
    it(`${alg}: the provider issues tokens; a renewal sends a fresh assertion (a replayed jti would be refused)`, async () => {
      const before = op.events.length;
      const client = await connect(
        { jwtAlgorithm: alg, jwtKeyId: key.jwk.kid as string },
        { clientId, jwtPrivateKey: key.pem },
      );
      assert.equal((await client.request({ method: 'GET', path: '/a' })).statusCode, 200);
      rejectNext = true;
      assert.equal((await client.request({ method: 'GET', path: '/b' })).statusCode, 200, 'renewed after a 401');
      const grants = op.events.slice(before).filter((event) => event.name.startsWith('grant.'));
      assert.deepEqual(
        grants.map((event) => [event.name, event.clientId, event.clientAuth]),
        [
          ['grant.success', clientId, 'private_key_jwt'],
          ['grant.success', clientId, 'private_key_jwt'],
        ],
      );
      const tokens = api.requests.slice(-3).map((request) => request.headers.authorization);
      assert.ok(tokens.every((value) => /^Bearer .+/.test(String(value))));
      assert.notEqual(tokens[0], tokens[2], 'a new token after the renewal');
    });
  }

  it('jwtAudience: the issuer as aud is accepted too', async () => {
    const client = await connect(
      { jwtAlgorithm: 'ES256', jwtAudience: op.issuer },
      { clientId: 'jwt-es', jwtPrivateKey: es.pem },
    );
    assert.equal((await client.request({ method: 'GET', path: '/a' })).statusCode, 200);
  });

  it('a key the provider does not know: ERR_AUTH invalid_client; the key shows in no form', async () => {
    const stranger = ecKey('es-key');
    const client = await connect({ jwtAlgorithm: 'ES256' }, { clientId: 'jwt-es', jwtPrivateKey: stranger.pem });
    assert.ok(client.auth instanceof OAuth2Auth);
    const err = await client.request({ method: 'GET', path: '/a' }).then(
      () => assert.fail('should fail'),
      (e: unknown) => e as { code?: string; message?: string },
    );
    assert.equal(err.code, 'ERR_AUTH');
    assert.match(err.message ?? '', /invalid_client/);
    for (const secret of pemSecrets(stranger.pem)) assertNoSecret(err, secret);
  });

  const badKeys: [string, Partial<ConnectionProperties>, ConnectionCredentials, RegExp][] = [
    ['no private key', { jwtAlgorithm: 'ES256' }, { clientId: 'jwt-es' }, /jwtPrivateKey/],
    [
      'a key that is not PEM',
      {},
      { clientId: 'jwt-es', jwtPrivateKey: 'not-a-key-but-secret-text' },
      /not an unencrypted PEM/,
    ],
    [
      'an EC key for RS256',
      { jwtAlgorithm: 'RS256' },
      { clientId: 'jwt-es', jwtPrivateKey: es.pem },
      /RS256 needs an RSA key/,
    ],
    [
      'an RSA key for ES256',
      { jwtAlgorithm: 'ES256' },
      { clientId: 'jwt-rs', jwtPrivateKey: rsa.pem },
      /ES256 needs an EC P-256 key/,
    ],
    [
      'an unknown algorithm',
      { jwtAlgorithm: 'HS256' as never },
      { clientId: 'jwt-es', jwtPrivateKey: es.pem },
      /jwtAlgorithm/,
    ],
  ];
  for (const [title, props, credentials, message] of badKeys) {
    it(`${title} is ERR_CONFIG when the connection is built, without the key in the message`, async () => {
      await assert.rejects(connect(props, credentials), (err: { code?: string; message?: string }) => {
        assert.equal(err.code, 'ERR_CONFIG');
        assert.match(err.message ?? '', message);
        if (credentials.jwtPrivateKey)
          for (const secret of pemSecrets(credentials.jwtPrivateKey)) assertNoSecret(err, secret);
        return true;
      });
    });
  }
});
