/**
 * `tokenHeaders` and `tokenParamsIn` against a recording token endpoint and API on loopback:
 * the headers reach the token endpoint on token, refresh and revocation requests and never the
 * API; `tokenParams` go in the form body or in the token URL's query as configured. Bad settings
 * are ERR_CONFIG when the connection is built; a refusal is ERR_AUTH without the secret in any form.
 */
import assert from 'node:assert/strict';
import { OAuth2Auth } from '../../lib/auth/oauth2';
import { connectionDefaults } from '../../lib/definitions';
import { RestClient } from '../../lib/http/rest-client';
import type { ConnectionCredentials, ConnectionProperties } from '../../lib/types';
import { startRecordingServer, type RecordingServer } from './recording-server';
import { assertNoSecret } from './no-secret';

const CLIENT = { clientId: 'tenant-app', clientSecret: 'client-secret-7f3a9' };
const GATEWAY_KEY = 'gateway-key-55b1c';

describe('oauth2: token endpoint headers and parameter placement', function () {
  let tokens: RecordingServer;
  let api: RecordingServer;
  let issued = 0;
  let apiRejectsNext = false;
  const clients: RestClient[] = [];

  before(async () => {
    tokens = await startRecordingServer((req) => {
      if (req.url.pathname === '/revoke') return { status: 200, body: {} };
      issued++;
      return { body: { access_token: `access-${issued}`, refresh_token: `refresh-${issued}`, expires_in: 3600 } };
    });
    api = await startRecordingServer(() => {
      if (apiRejectsNext) {
        apiRejectsNext = false;
        return { status: 401, body: { error: 'invalid_token' } };
      }
      return { body: { ok: true } };
    });
  });
  beforeEach(() => {
    tokens.requests.length = 0;
    api.requests.length = 0;
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });
  after(async () => {
    await tokens.close();
    await api.close();
  });

  async function connect(overrides: Partial<ConnectionProperties>, credentials: ConnectionCredentials = CLIENT) {
    const props: ConnectionProperties = {
      ...connectionDefaults,
      baseUrl: `${api.url}/v1`,
      authType: 'oauth2',
      oauth2Grant: 'client_credentials',
      tokenUrl: `${tokens.url}/token?realm=main`,
      revokeUrl: `${tokens.url}/revoke`,
      tokenParams: [{ name: 'audience', value: 'https://api.example' }],
      tokenHeaders: [
        { name: 'X-Tenant', value: 'tenant-42' },
        { name: 'X-Gateway-Key', value: GATEWAY_KEY },
      ],
      timeout: 3000,
      retries: 0,
      ...overrides,
    };
    const client = await RestClient.create(props, credentials, { connectionId: 'token-headers' });
    clients.push(client);
    return client;
  }

  function assertTokenHeaders(request: { headers: Record<string, unknown> }) {
    assert.equal(request.headers['x-tenant'], 'tenant-42');
    assert.equal(request.headers['x-gateway-key'], GATEWAY_KEY);
  }

  it('sends tokenHeaders on token, refresh and revocation requests, never to the API; tokenParams in the body', async () => {
    const client = await connect({});
    assert.equal((await client.request({ method: 'GET', path: '/items' })).statusCode, 200);
    apiRejectsNext = true;
    assert.equal((await client.request({ method: 'GET', path: '/items' })).statusCode, 200, 'renewed after a 401');
    assert.ok(client.auth instanceof OAuth2Auth);
    await client.auth.revoke();

    const [first, refresh, ...revocations] = tokens.requests;
    assert.ok(first && refresh);
    assert.equal(first.form.grant_type, 'client_credentials');
    assert.equal(refresh.form.grant_type, 'refresh_token');
    assert.equal(revocations.length, 2);
    for (const request of tokens.requests) assertTokenHeaders(request);
    for (const request of [first, refresh]) {
      assert.equal(request.form.audience, 'https://api.example', 'tokenParams in the body');
      assert.equal(request.url.searchParams.get('audience'), null, 'and not in the query');
      assert.equal(request.url.searchParams.get('realm'), 'main', "the token URL's own query stays");
    }
    assert.equal(first.headers.authorization?.startsWith('Basic '), true, 'client_secret_basic unchanged');

    assert.equal(api.requests.length, 3);
    for (const request of api.requests) {
      assert.equal(request.headers['x-tenant'], undefined, 'no token header reaches the API');
      assert.equal(request.headers['x-gateway-key'], undefined);
      assert.ok(!JSON.stringify(request.headers).includes(GATEWAY_KEY));
      assert.equal(request.url.searchParams.get('audience'), null);
    }
  });

  it('tokenParamsIn query: tokenParams in the token URL query on token and refresh requests, not in the body', async () => {
    const client = await connect({ tokenParamsIn: 'query', clientAuth: 'body' });
    await client.request({ method: 'GET', path: '/items' });
    apiRejectsNext = true;
    await client.request({ method: 'GET', path: '/items' });
    const [first, refresh] = tokens.requests;
    assert.ok(first && refresh);
    assert.equal(refresh.form.grant_type, 'refresh_token');
    for (const request of [first, refresh]) {
      assert.equal(request.url.searchParams.get('audience'), 'https://api.example');
      assert.equal(request.url.searchParams.get('realm'), 'main');
      assert.equal(request.form.audience, undefined);
      assert.equal(request.form.client_secret, CLIENT.clientSecret, 'client_secret_post unchanged');
      assertTokenHeaders(request);
    }
    for (const request of api.requests) assert.equal(request.headers['x-tenant'], undefined);
  });

  it('an Authorization token header is allowed when the client does not authenticate with one', async () => {
    const client = await connect({
      clientAuth: 'body',
      tokenHeaders: [{ name: 'Authorization', value: 'Gateway gw-token' }],
    });
    await client.request({ method: 'GET', path: '/items' });
    assert.equal(tokens.requests[0]?.headers.authorization, 'Gateway gw-token');
    assert.match(String(api.requests[0]?.headers.authorization), /^Bearer access-/);
  });

  const badSettings: [string, Partial<ConnectionProperties>, RegExp][] = [
    [
      'Content-Type',
      { tokenHeaders: [{ name: 'Content-Type', value: 'text/plain' }] },
      /Content-Type.*cannot be replaced/,
    ],
    [
      'Authorization with client_secret_basic',
      { tokenHeaders: [{ name: 'authorization', value: 'x' }] },
      /authorization/,
    ],
    [
      'a line break in a value',
      { tokenHeaders: [{ name: 'X-A', value: 'a\r\nX-B: b' }] },
      /character HTTP does not allow/,
    ],
    ['a space in a name', { tokenHeaders: [{ name: 'X A', value: 'a' }] }, /character HTTP does not allow/],
    ['an unknown tokenParamsIn', { tokenParamsIn: 'header' as never }, /tokenParamsIn/],
  ];
  for (const [title, overrides, message] of badSettings) {
    it(`${title} is ERR_CONFIG when the connection is built`, async () => {
      await assert.rejects(connect(overrides), (err: { code?: string; message?: string }) => {
        assert.equal(err.code, 'ERR_CONFIG');
        assert.match(err.message ?? '', message);
        return true;
      });
      assert.equal(tokens.requests.length, 0);
    });
  }

  it('a refused client is ERR_AUTH; the secret does not show raw, base64 or URL-encoded', async () => {
    const secret = 'wrong-secret/with+chars&=';
    const basic = Buffer.from(`${CLIENT.clientId}:${encodeURIComponent(secret)}`).toString('base64');
    const answer = tokens.answer;
    tokens.answer = (req) => ({
      status: 401,
      headers: { 'x-echo': basic },
      body: {
        error: 'invalid_client',
        error_description: `bad ${secret} ${basic} ${encodeURIComponent(secret)} ${String(req.headers.authorization)}`,
      },
    });
    try {
      const client = await connect({}, { clientId: CLIENT.clientId, clientSecret: secret });
      const err = await client.request({ method: 'GET', path: '/items' }).then(
        () => assert.fail('the request should fail'),
        (e: unknown) => e as Record<string, unknown>,
      );
      assert.equal(err.code, 'ERR_AUTH');
      assert.match(String(err.message), /invalid_client/);
      assertNoSecret(err, secret);
      assertNoSecret(err, GATEWAY_KEY);
      assert.equal(api.requests.length, 0);
    } finally {
      tokens.answer = answer;
    }
  });
});
