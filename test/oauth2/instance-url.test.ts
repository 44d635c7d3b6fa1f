/**
 * `instanceUrlPath` (Salesforce's `instance_url`): API calls go to the origin the token response
 * names, keeping baseUrl's path; credentials are bound to that origin (ERR_ORIGIN for the old
 * one); the instance URL survives a restart in the token store; a missing or invalid value is
 * ERR_AUTH. Token endpoint and both APIs are recording servers on loopback.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { connectionDefaults } from '../../lib/definitions';
import { RestClient } from '../../lib/http/rest-client';
import type { ConnectionCredentials, ConnectionProperties } from '../../lib/types';
import { assertNoSecret } from './no-secret';
import { startRecordingServer, type Answer, type RecordedRequest, type RecordingServer } from './recording-server';

const CREDENTIALS = { clientId: 'sf-app', clientSecret: 'sf-secret-91c2d' };

describe('oauth2: instance URL from the token response (instanceUrlPath)', function () {
  let tokens: RecordingServer;
  let login: RecordingServer;
  let instance: RecordingServer;
  let tokenAnswer: (req: RecordedRequest) => Answer;
  let storeDir: string;
  const clients: RestClient[] = [];
  let issued = 0;

  before(async () => {
    tokens = await startRecordingServer((req) => tokenAnswer(req));
    login = await startRecordingServer(() => ({ body: { where: 'login' } }));
    instance = await startRecordingServer((req) =>
      req.headers.authorization === 'Bearer expired' ? { status: 401, body: {} } : { body: { where: 'instance' } },
    );
  });
  beforeEach(async () => {
    for (const server of [tokens, login, instance]) server.requests.length = 0;
    tokenAnswer = () => {
      issued++;
      return { body: { access_token: `access-${issued}`, instance_url: `${instance.url}/`, issued_at: '1' } };
    };
    storeDir = await fs.mkdtemp(path.join(os.tmpdir(), 'instance-url-'));
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await fs.rm(storeDir, { recursive: true, force: true });
  });
  after(async () => {
    await Promise.all([tokens.close(), login.close(), instance.close()]);
  });

  async function connect(
    overrides: Partial<ConnectionProperties> = {},
    credentials: ConnectionCredentials = CREDENTIALS,
  ) {
    const props: ConnectionProperties = {
      ...connectionDefaults,
      baseUrl: `${login.url}/services/data/v60.0?mode=api`,
      authType: 'oauth2',
      oauth2Grant: 'client_credentials',
      tokenUrl: `${tokens.url}/services/oauth2/token`,
      instanceUrlPath: '$.instance_url',
      timeout: 3000,
      retries: 0,
      ...overrides,
    };
    const client = await RestClient.create(props, credentials, {
      connectionId: 'instance-url',
      tokenStore: { directory: storeDir, secret: 'node-red-credential-secret' },
    });
    clients.push(client);
    return client;
  }

  it("sends API calls to the instance origin with baseUrl's path and query; nothing goes to baseUrl's origin", async () => {
    const client = await connect();
    const response = await client.request({ method: 'GET', path: '/sobjects/Account' });
    assert.equal(response.statusCode, 200);
    assert.equal(response.url, `${instance.url}/services/data/v60.0/sobjects/Account?mode=api`);
    assert.deepEqual(response.json(), { where: 'instance' });
    assert.equal(instance.requests[0]?.headers.authorization, 'Bearer access-1');
    assert.equal(login.requests.length, 0);
    // an absolute URL on the instance works; the old origin is refused before anything is sent
    const absolute = await client.request({ method: 'GET', path: `${instance.url}/services/data/v60.0/limits` });
    assert.equal(absolute.statusCode, 200);
    await assert.rejects(client.request({ method: 'GET', path: `${login.url}/services/data/v60.0/limits` }), {
      code: 'ERR_ORIGIN',
    });
    assert.equal(login.requests.length, 0);
  });

  it('keeps the instance URL across a restart (token store): no new token request, calls still go to the instance', async () => {
    const first = await connect();
    await first.request({ method: 'GET', path: '/sobjects' });
    await first.close();
    const second = await connect();
    const response = await second.request({ method: 'GET', path: '/sobjects' });
    assert.equal(response.url.startsWith(instance.url), true);
    assert.equal(tokens.requests.length, 1, 'the stored token and instance URL were reused');
    assert.equal(instance.requests.at(-1)?.headers.authorization, 'Bearer access-' + String(issued));
    assert.equal(login.requests.length, 0);
  });

  it('a refresh answer without the instance URL keeps the one the tokens were issued for', async () => {
    let round = 0;
    tokenAnswer = (req) => {
      round++;
      if (req.form.grant_type === 'refresh_token') return { body: { access_token: 'access-refreshed' } };
      return { body: { access_token: 'expired', refresh_token: 'refresh-1', instance_url: instance.url } };
    };
    const client = await connect();
    const response = await client.request({ method: 'GET', path: '/sobjects' });
    assert.equal(round, 2, 'token, then refresh after the 401');
    assert.equal(response.statusCode, 200);
    assert.equal(instance.requests.at(-1)?.headers.authorization, 'Bearer access-refreshed');
    assert.equal(login.requests.length, 0);
  });

  const badAnswers: [string, unknown, RegExp][] = [
    ['no instance URL', { access_token: 'a' }, /no instance URL at "\$\.instance_url"/],
    ['an instance URL that is not a URL', { access_token: 'a', instance_url: 'not a url' }, /not an http/],
    ['an ftp instance URL', { access_token: 'a', instance_url: 'ftp://files.example' }, /not an http/],
    ['a number', { access_token: 'a', instance_url: 42 }, /not an http/],
  ];
  for (const [title, body, message] of badAnswers) {
    it(`${title} in the token response is ERR_AUTH, and no API call is made`, async () => {
      tokenAnswer = () => ({ body });
      const client = await connect();
      await assert.rejects(
        client.request({ method: 'GET', path: '/sobjects' }),
        (err: { code?: string; message?: string }) => {
          assert.equal(err.code, 'ERR_AUTH');
          assert.match(err.message ?? '', message);
          return true;
        },
      );
      assert.equal(login.requests.length + instance.requests.length, 0);
    });
  }

  it('wrong client credentials are ERR_AUTH without the secret in any form; no API call', async () => {
    const secret = 'wrong+secret/value=1';
    tokenAnswer = (req) => ({
      status: 400,
      body: {
        error: 'invalid_client',
        error_description: `${secret} ${encodeURIComponent(secret)} ${String(req.headers.authorization)}`,
      },
    });
    const client = await connect({}, { clientId: 'sf-app', clientSecret: secret });
    const err = await client.request({ method: 'GET', path: '/sobjects' }).then(
      () => assert.fail('should fail'),
      (e: unknown) => e as { code?: string },
    );
    assert.equal(err.code, 'ERR_AUTH');
    assertNoSecret(err, secret);
    assert.equal(login.requests.length + instance.requests.length, 0);
  });

  it('without instanceUrlPath an instance_url in the answer changes nothing', async () => {
    const client = await connect({ instanceUrlPath: '' });
    const response = await client.request({ method: 'GET', path: '/x' });
    assert.equal(response.url.startsWith(login.url), true);
    assert.equal(instance.requests.length, 0);
  });
});
