/**
 * The device authorization grant (RFC 8628) against a device authorization and token endpoint
 * on loopback that answer what each case needs: the runtime polls at the server's interval,
 * slows down by 5 s on slow_down, stops on access_denied, expired_token and at expires_in, and
 * keeps the tokens of a finished login. Wrong client credentials are ERR_AUTH without the secret.
 */
import assert from 'node:assert/strict';
import { OAuth2Auth } from '../../lib/auth/oauth2';
import { connectionDefaults } from '../../lib/definitions';
import { RestClient } from '../../lib/http/rest-client';
import type { DeviceLoginStatus } from '../../lib/oauth2/device-login';
import type { ConnectionCredentials, ConnectionProperties } from '../../lib/types';
import { assertNoSecret } from './no-secret';
import { startRecordingServer, type Answer, type RecordedRequest, type RecordingServer } from './recording-server';

const CREDENTIALS = { clientId: 'edge-device', clientSecret: 'edge-secret-4411' };
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

describe('oauth2: device authorization grant (device_code)', function () {
  this.timeout(30000);
  let server: RecordingServer;
  let api: RecordingServer;
  let tokenAnswers: Answer[];
  let deviceAnswer: (req: RecordedRequest) => Answer;
  const clients: RestClient[] = [];

  before(async () => {
    server = await startRecordingServer((req) => {
      if (req.url.pathname === '/device') return deviceAnswer(req);
      return tokenAnswers.shift() ?? { status: 400, body: { error: 'authorization_pending' } };
    });
    api = await startRecordingServer(() => ({ body: { ok: true } }));
  });
  beforeEach(() => {
    server.requests.length = 0;
    api.requests.length = 0;
    deviceAnswer = () => ({
      body: {
        device_code: 'device-code-secret-77',
        user_code: 'WDJB-MJHT',
        verification_uri: 'https://id.example/device',
        verification_uri_complete: 'https://id.example/device?user_code=WDJB-MJHT',
        expires_in: 600,
        interval: 1,
      },
    });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });
  after(async () => {
    await server.close();
    await api.close();
  });

  async function connect(
    overrides: Partial<ConnectionProperties> = {},
    credentials: ConnectionCredentials = CREDENTIALS,
  ) {
    const props: ConnectionProperties = {
      ...connectionDefaults,
      baseUrl: api.url,
      authType: 'oauth2',
      oauth2Grant: 'device_code',
      tokenUrl: `${server.url}/token`,
      deviceAuthorizationUrl: `${server.url}/device`,
      scope: 'read offline_access',
      tokenHeaders: [{ name: 'X-Tenant', value: 'plant-7' }],
      timeout: 3000,
      retries: 0,
      ...overrides,
    };
    const client = await RestClient.create(props, credentials, { connectionId: 'device-flow' });
    clients.push(client);
    assert.ok(client.auth instanceof OAuth2Auth);
    return { client, oauth2: client.auth };
  }

  /** Waits until the login is no longer pending (the runtime polls on its own). */
  async function outcome(oauth2: OAuth2Auth): Promise<DeviceLoginStatus> {
    for (;;) {
      const status = oauth2.deviceLoginStatus();
      assert.ok(status, 'a device login was started');
      if (status.state !== 'pending') return status;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  const tokenPolls = () => server.requests.filter((request) => request.url.pathname === '/token');

  it('starts a login, polls, slows down by 5 s on slow_down, then keeps the tokens and uses them', async () => {
    tokenAnswers = [
      { status: 400, body: { error: 'authorization_pending' } },
      { status: 400, body: { error: 'slow_down' } },
      { body: { access_token: 'device-access', refresh_token: 'device-refresh', expires_in: 3600 } },
    ];
    const { client, oauth2 } = await connect();
    await assert.rejects(client.request({ method: 'GET', path: '/x' }), (err: { code?: string; message?: string }) => {
      assert.equal(err.code, 'ERR_AUTH');
      assert.match(err.message ?? '', /Log in on another device/);
      return true;
    });
    const start = await oauth2.startDeviceLogin();
    assert.deepEqual(start, {
      userCode: 'WDJB-MJHT',
      verificationUri: 'https://id.example/device',
      verificationUriComplete: 'https://id.example/device?user_code=WDJB-MJHT',
      expiresIn: 600,
    });
    const [device] = server.requests;
    assert.ok(device);
    assert.equal(device.form.scope, 'read offline_access');
    assert.equal(device.form.grant_type, undefined, 'no grant_type on the device authorization request');
    assert.match(String(device.headers.authorization), /^Basic /);
    assert.equal(device.headers['x-tenant'], 'plant-7');

    const status = await outcome(oauth2);
    assert.deepEqual(status, { state: 'authorized', intervalS: 6 });
    const polls = tokenPolls();
    assert.equal(polls.length, 3);
    for (const poll of polls) {
      assert.equal(poll.form.grant_type, DEVICE_GRANT);
      assert.equal(poll.form.device_code, 'device-code-secret-77');
      assert.equal(poll.headers['x-tenant'], 'plant-7');
    }
    assert.equal((await client.request({ method: 'GET', path: '/x' })).statusCode, 200);
    assert.equal(api.requests.at(-1)?.headers.authorization, 'Bearer device-access');
    assert.equal(api.requests.at(-1)?.headers['x-tenant'], undefined);
  });

  const endings: [string, Answer[], string, RegExp][] = [
    ['access_denied', [{ status: 400, body: { error: 'access_denied' } }], 'denied', /denied/],
    ['expired_token', [{ status: 400, body: { error: 'expired_token' } }], 'expired', /expired/],
    [
      'another refusal (invalid_client)',
      [{ status: 401, body: { error: 'invalid_client' } }],
      'failed',
      /invalid_client/,
    ],
  ];
  for (const [title, answers, state, message] of endings) {
    it(`${title} ends the login (${state}), with a message; requests stay ERR_AUTH`, async () => {
      tokenAnswers = [...answers];
      const { client, oauth2 } = await connect();
      await oauth2.startDeviceLogin();
      const status = await outcome(oauth2);
      assert.equal(status.state, state);
      assert.match(status.message ?? '', message);
      assert.ok(!(status.message ?? '').includes('device-code-secret-77'));
      assert.equal(tokenPolls().length, 1, 'no poll after the end');
      await assert.rejects(client.request({ method: 'GET', path: '/x' }), { code: 'ERR_AUTH' });
      assert.equal(api.requests.length, 0);
    });
  }

  it('stops at expires_in when the user never logs in', async () => {
    tokenAnswers = [];
    deviceAnswer = () => ({
      body: { device_code: 'dc', user_code: 'U', verification_uri: 'https://id.example/d', expires_in: 1, interval: 1 },
    });
    const { oauth2 } = await connect();
    await oauth2.startDeviceLogin();
    const status = await outcome(oauth2);
    assert.equal(status.state, 'expired');
    assert.match(status.message ?? '', /expired before the login finished/);
  });

  it('an incomplete device authorization answer is ERR_AUTH', async () => {
    deviceAnswer = () => ({ body: { device_code: 'dc', expires_in: 600 } });
    const { oauth2 } = await connect();
    await assert.rejects(oauth2.startDeviceLogin(), (err: { code?: string; message?: string }) => {
      assert.equal(err.code, 'ERR_AUTH');
      assert.match(err.message ?? '', /user_code/);
      return true;
    });
  });

  it('a refused client at the device endpoint is ERR_AUTH; the secret shows in no form', async () => {
    const secret = 'wrong/secret+value=9';
    deviceAnswer = (req) => ({
      status: 401,
      body: {
        error: 'invalid_client',
        error_description: `${secret} ${encodeURIComponent(secret)} ${String(req.headers.authorization)}`,
      },
    });
    const { oauth2 } = await connect({}, { clientId: 'edge-device', clientSecret: secret });
    const err = await oauth2.startDeviceLogin().then(
      () => assert.fail('should fail'),
      (e: unknown) => e as { code?: string },
    );
    assert.equal(err.code, 'ERR_AUTH');
    assertNoSecret(err, secret);
  });

  it('without a device authorization URL, or with another grant: ERR_CONFIG', async () => {
    const { oauth2 } = await connect({ deviceAuthorizationUrl: '' });
    await assert.rejects(oauth2.startDeviceLogin(), (err: { code?: string; message?: string }) => {
      assert.equal(err.code, 'ERR_CONFIG');
      assert.match(err.message ?? '', /deviceAuthorizationUrl/);
      return true;
    });
    const other = await connect({ oauth2Grant: 'client_credentials' });
    await assert.rejects(other.oauth2.startDeviceLogin(), { code: 'ERR_CONFIG' });
  });
});
