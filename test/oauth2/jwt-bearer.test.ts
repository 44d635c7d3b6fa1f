/**
 * `oauth2Grant: jwt_bearer` (RFC 7523 §2.1), Salesforce style: a token endpoint on loopback
 * verifies each assertion with jose (signature with the public key, iss, sub, aud, a short exp,
 * a jti never seen before) and answers a token with an instance_url. A refused assertion is
 * ERR_AUTH naming what to check, with neither the key nor the assertion in any text.
 */
import assert from 'node:assert/strict';
import { connectionDefaults } from '../../lib/definitions';
import { RestClient } from '../../lib/http/rest-client';
import type { ConnectionCredentials, ConnectionProperties } from '../../lib/types';
import { ecKey, pemSecrets, rsaKey } from './jwt-keys';
import { assertNoSecret } from './no-secret';
import { startRecordingServer, type RecordedRequest, type RecordingServer } from './recording-server';

const GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const CONSUMER_KEY = '3MVG9-consumer-key';

describe('oauth2: JWT bearer grant (jwt_bearer)', function () {
  this.timeout(20000);
  const key = rsaKey('sf-cert');
  let tokens: RecordingServer;
  let instance: RecordingServer;
  let verify: (req: RecordedRequest) => Promise<Record<string, unknown>>;
  const seenJti = new Set<string>();
  const verified: Record<string, unknown>[] = [];
  let rejectNext = false;
  const clients: RestClient[] = [];

  before(async () => {
    const jose = await import('jose');
    verify = async (req) => {
      const { payload, protectedHeader } = await jose.jwtVerify(req.form.assertion ?? '', key.publicKey, {
        issuer: CONSUMER_KEY,
        audience: 'https://login.salesforce.com',
        algorithms: ['RS256'],
      });
      return { ...payload, kid: protectedHeader.kid };
    };
    instance = await startRecordingServer(() => {
      if (!rejectNext) return { body: { records: [] } };
      rejectNext = false;
      return { status: 401, body: [{ errorCode: 'INVALID_SESSION_ID' }] };
    });
    tokens = await startRecordingServer(async (req) => {
      if (req.form.grant_type !== GRANT) return { status: 400, body: { error: 'unsupported_grant_type' } };
      let claims: Record<string, unknown>;
      try {
        claims = await verify(req);
      } catch (err) {
        return {
          status: 400,
          body: { error: 'invalid_grant', error_description: `${(err as Error).message}: ${req.form.assertion}` },
        };
      }
      const jti = String(claims.jti);
      if (seenJti.has(jti)) return { status: 400, body: { error: 'invalid_grant', error_description: 'jti replayed' } };
      seenJti.add(jti);
      verified.push(claims);
      if (claims.sub !== 'integration@acme.example') {
        return {
          status: 400,
          body: { error: 'invalid_grant', error_description: 'user hasn\u2019t approved this consumer' },
        };
      }
      return {
        body: { access_token: `00D-session-${verified.length}`, instance_url: instance.url, token_type: 'Bearer' },
      };
    });
  });
  beforeEach(() => {
    verified.length = 0;
    tokens.requests.length = 0;
    instance.requests.length = 0;
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });
  after(async () => {
    await tokens?.close();
    await instance?.close();
  });

  async function connect(overrides: Partial<ConnectionProperties> = {}, credentials: ConnectionCredentials = {}) {
    const props: ConnectionProperties = {
      ...connectionDefaults,
      baseUrl: 'https://login.salesforce.com/services/data/v60.0',
      authType: 'oauth2',
      oauth2Grant: 'jwt_bearer',
      tokenUrl: `${tokens.url}/services/oauth2/token`,
      jwtSubject: 'integration@acme.example',
      jwtAudience: 'https://login.salesforce.com',
      jwtKeyId: 'sf-cert',
      instanceUrlPath: '$.instance_url',
      timeout: 5000,
      retries: 0,
      ...overrides,
    };
    const client = await RestClient.create(
      props,
      { clientId: CONSUMER_KEY, jwtPrivateKey: key.pem, ...credentials },
      { connectionId: 'jwt-bearer' },
    );
    clients.push(client);
    return client;
  }

  it('gets a token with a signed assertion (iss, sub, aud, short exp, unique jti) and calls the instance URL', async () => {
    const client = await connect();
    const response = await client.request({ method: 'GET', path: '/query?q=SELECT+Id+FROM+Account' });
    assert.equal(response.statusCode, 200);
    assert.equal(response.url.startsWith(`${instance.url}/services/data/v60.0/query`), true);
    assert.equal(instance.requests[0]?.headers.authorization, 'Bearer 00D-session-1');
    const [request] = tokens.requests;
    assert.ok(request);
    assert.equal(request.form.grant_type, GRANT);
    assert.equal(request.form.client_secret, undefined, 'no secret: the assertion is the proof');
    assert.equal(request.headers.authorization, undefined);
    const [claims] = verified;
    assert.ok(claims);
    assert.equal(claims.iss, CONSUMER_KEY);
    assert.equal(claims.sub, 'integration@acme.example');
    assert.equal(claims.kid, 'sf-cert');
    const lifetime = Number(claims.exp) - Number(claims.iat);
    assert.ok(lifetime > 0 && lifetime <= 300, `exp ${lifetime} s after iat`);
  });

  it('a rejected session gets a new token with a new assertion (new jti), not a refresh', async () => {
    const client = await connect();
    await client.request({ method: 'GET', path: '/limits' });
    rejectNext = true;
    assert.equal((await client.request({ method: 'GET', path: '/limits' })).statusCode, 200);
    assert.equal(verified.length, 2);
    assert.notEqual(verified[0]?.jti, verified[1]?.jti);
    assert.deepEqual(
      tokens.requests.map((request) => request.form.grant_type),
      [GRANT, GRANT],
    );
  });

  it('jwtSubject empty: sub is the client ID; the server refuses it: ERR_AUTH naming what to check', async () => {
    const client = await connect({ jwtSubject: '' });
    const err = await client.request({ method: 'GET', path: '/limits' }).then(
      () => assert.fail('should fail'),
      (e: unknown) => e as { code?: string; message?: string },
    );
    assert.equal(verified[0]?.sub, CONSUMER_KEY);
    assert.equal(err.code, 'ERR_AUTH');
    assert.match(err.message ?? '', /invalid_grant/);
    assert.match(err.message ?? '', /jwtSubject/);
    assert.equal(instance.requests.length, 0);
  });

  it('an assertion signed with another key: ERR_AUTH; neither the key nor the echoed assertion shows', async () => {
    const stranger = rsaKey('sf-cert');
    const client = await connect({}, { jwtPrivateKey: stranger.pem });
    const err = await client.request({ method: 'GET', path: '/limits' }).then(
      () => assert.fail('should fail'),
      (e: unknown) => e as { code?: string; message?: string; responseBody?: string },
    );
    assert.equal(err.code, 'ERR_AUTH');
    assert.match(err.message ?? '', /invalid_grant/);
    for (const secret of pemSecrets(stranger.pem)) assertNoSecret(err, secret);
    const sent = tokens.requests[0]?.form.assertion ?? '';
    assert.ok(sent.length > 100);
    assertNoSecret(err, sent);
    assert.ok(!JSON.stringify(err).includes(sent.split('.')[2] ?? sent), 'not even the signature');
  });

  it('needs a private key, and one that fits jwtAlgorithm (ERR_CONFIG)', async () => {
    await assert.rejects(connect({}, { jwtPrivateKey: '' }), { code: 'ERR_CONFIG' });
    await assert.rejects(connect({ jwtAlgorithm: 'RS256' }, { jwtPrivateKey: ecKey().pem }), { code: 'ERR_CONFIG' });
  });
});
