/**
 * "Log in on another device" end to end: a deployed rest-connection (node-red-node-test-helper)
 * with the device_code grant against a certified OpenID Provider (oidc-provider, its device
 * flow), once as a public client and once as a private_key_jwt client. The test calls the admin
 * route as the editor does, plays the user on the provider's pages over HTTP, waits while the
 * runtime polls, then a flow's request carries the token the provider issued.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import { flowWith, helper, load, nextMessage, useNodeRed, type TestHelper } from '../support/node-red';
import { startOidcProvider, standardClients, type OidcProvider } from '../support/peers/oidc-provider';
import { OidcUser } from '../support/peers/oidc-user-agent';
import { ecKey } from './jwt-keys';
import { startRecordingServer, type RecordingServer } from './recording-server';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

describe('oauth2: device login through the admin route in Node-RED (oidc-provider)', function () {
  this.timeout(60000);
  const key = ecKey('device-key');
  let op: OidcProvider;
  let api: RecordingServer;
  let admin: http.Server;
  useNodeRed();

  before(async () => {
    op = await startOidcProvider({
      clients: [
        ...standardClients(['http://127.0.0.1/callback']),
        {
          client_id: 'jwt-device',
          token_endpoint_auth_method: 'private_key_jwt',
          token_endpoint_auth_signing_alg: 'ES256',
          jwks: { keys: [key.jwk] },
          grant_types: [DEVICE_GRANT, 'refresh_token'],
          response_types: [],
          redirect_uris: [],
        },
      ],
    });
    api = await startRecordingServer(() => ({ body: { value: 42 } }));
    const adminApp = (helper as TestHelper & { _httpAdmin: http.RequestListener })._httpAdmin;
    admin = http.createServer((req, res) => adminApp(req, res));
    await new Promise<void>((resolve) => admin.listen(0, '127.0.0.1', resolve));
  });
  after(async () => {
    admin?.closeAllConnections();
    await new Promise((resolve) => admin?.close(resolve));
    await api?.close();
    await op?.close();
  });

  const adminUrl = (route: string) => `http://127.0.0.1:${(admin.address() as net.AddressInfo).port}${route}`;

  /** The device-code connection `conn` with `connection`'s settings and the scalar query `query`. */
  function flow(connection: Record<string, unknown>) {
    return flowWith({
      ids: { connection: 'conn', node: 'query' },
      type: 'execute-rest-scalar',
      connection: {
        baseUrl: api.url,
        authType: 'oauth2',
        oauth2Grant: 'device_code',
        discoveryUrl: op.endpoints.discovery,
        scope: 'openid api:read',
        timeout: 5000,
        retries: 0,
        ...connection,
      },
      node: { path: '/v', valuePath: '$.value' },
    });
  }

  const cases: [string, Record<string, unknown>, Record<string, string>][] = [
    ['a public client', { clientAuth: 'none' }, { clientId: 'public-app' }],
    [
      'a private_key_jwt client',
      { clientAuth: 'private_key_jwt', jwtAlgorithm: 'ES256' },
      { clientId: 'jwt-device', jwtPrivateKey: key.pem },
    ],
  ];
  for (const [title, settings, credentials] of cases) {
    it(`${title}: user code and link from POST /rest-connection/:id/device, tokens after the user logs in`, async () => {
      await load(flow(settings), { conn: credentials });
      helper.getNode('query').receive({ payload: 'before' });
      const refused = await nextMessage('caught');
      assert.equal((refused.error as { code?: string }).code, 'ERR_AUTH');

      const started = await fetch(adminUrl('/rest-connection/conn/device'), { method: 'POST' });
      assert.equal(started.status, 200);
      const login = (await started.json()) as Record<string, unknown>;
      assert.equal(typeof login.userCode, 'string');
      assert.equal(login.verificationUri, `${op.issuer}/device`);
      assert.match(String(login.verificationUriComplete), /user_code=/);
      assert.ok(Number(login.expiresIn) > 0);
      assert.deepEqual(Object.keys(login).sort(), [
        'expiresIn',
        'userCode',
        'verificationUri',
        'verificationUriComplete',
      ]);

      const page = await new OidcUser().confirmDevice(String(login.verificationUri), String(login.userCode));
      assert.match(page, /Sign-in Success/);

      let state = 'pending';
      while (state === 'pending') {
        await new Promise((resolve) => setTimeout(resolve, 250));
        const status = (await (await fetch(adminUrl('/rest-connection/conn/device'))).json()) as { state: string };
        state = status.state;
      }
      assert.equal(state, 'authorized');
      const issued = op.events.filter((event) => event.name === 'grant.success' && event.grantType === DEVICE_GRANT);
      assert.equal(issued.at(-1)?.clientId, credentials.clientId);

      helper.getNode('query').receive({ payload: 'after' });
      const msg = await nextMessage('out');
      assert.equal(msg.payload, 42);
      assert.match(String(api.requests.at(-1)?.headers.authorization), /^Bearer .+/);
    });
  }

  it('the route refuses a connection with another grant (400 ERR_CONFIG)', async () => {
    await load(flow({ oauth2Grant: 'client_credentials' }), {
      conn: { clientId: 'confidential-basic', clientSecret: 'x' },
    });
    const answer = await fetch(adminUrl('/rest-connection/conn/device'), { method: 'POST' });
    assert.equal(answer.status, 400);
    assert.equal(((await answer.json()) as { error: { code: string } }).error.code, 'ERR_CONFIG');
  });
});
