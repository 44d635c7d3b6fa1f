/**
 * The package's RestClient / OAuth2 against a certified OpenID Provider (npm oidc-provider, the
 * test/support/peers launcher) and an API that checks each token by introspection: discovery
 * fills the endpoints; client_credentials with client_secret_basic and client_secret_post;
 * authorization code + PKCE for a confidential and a public client, the user logging in through
 * the provider's own pages; refresh token rotation with the provider's reuse detection on; revoke;
 * a wrong client secret is ERR_AUTH and shows nowhere.
 */
import assert from 'node:assert/strict';
import { OAuth2Auth } from '../../lib/auth/oauth2';
import { connectionDefaults } from '../../lib/definitions';
import { RestError } from '../../lib/errors';
import { RestClient } from '../../lib/http/rest-client';
import { createCodeVerifier } from '../../lib/oauth2/authorization-requests';
import type { ConnectionCredentials, ConnectionProperties } from '../../lib/types';
import { startIntrospectedApi, type IntrospectedApi } from '../support/peers/introspected-api';
import { startOidcProvider, STANDARD_SECRETS, type OidcProvider } from '../support/peers/oidc-provider';
import { OidcUser } from '../support/peers/oidc-user-agent';

const REDIRECT_URI = 'http://127.0.0.1:1880/rest-connection/callback';
/** Access tokens live this long (s): the connection refreshes them 10% ahead, so a wait past it forces a rotation. */
const ACCESS_TTL = 1;
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('oauth2: against oidc-provider (a certified OpenID Provider)', function () {
  this.timeout(30000);
  let op: OidcProvider;
  let api: IntrospectedApi;
  const clients: RestClient[] = [];

  before(async function () {
    op = await startOidcProvider({ redirectUris: [REDIRECT_URI], ttl: { accessToken: ACCESS_TTL } });
    api = await startIntrospectedApi(op);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });
  after(async () => {
    await api?.close();
    await op?.close();
  });

  async function connect(props: Partial<ConnectionProperties>, credentials: ConnectionCredentials) {
    const client = await RestClient.create(
      {
        ...connectionDefaults,
        baseUrl: api.url,
        authType: 'oauth2',
        discoveryUrl: op.endpoints.discovery,
        timeout: 5000,
        retries: 0,
        ...props,
      },
      credentials,
      { connectionId: `oidc-${clients.length}` },
    );
    clients.push(client);
    assert.ok(client.auth instanceof OAuth2Auth);
    return { client, oauth2: client.auth };
  }

  const eventsFrom = (start: number) => op.events.slice(start);
  const tokenEvents = (start: number, grantType: string) =>
    eventsFrom(start).filter((event) => event.name.startsWith('grant.') && event.grantType === grantType);

  /** The API accepted the request: the provider's introspection said the token is active. */
  async function assertApiAccepts(client: RestClient, clientId: string, sub?: string) {
    const response = await client.request({ method: 'GET', path: '/data' });
    assert.equal(response.statusCode, 200);
    const seen = api.requests.at(-1);
    assert.equal(seen?.active, true);
    assert.equal(seen?.clientId, clientId);
    if (sub) assert.equal(seen?.sub, sub);
    return seen?.token ?? '';
  }

  it('discovery: discoveryUrl alone fills the token, authorization and revocation endpoints', async function () {
    const { oauth2 } = await connect(
      { oauth2Grant: 'client_credentials' },
      { clientId: 'confidential-basic', clientSecret: STANDARD_SECRETS['confidential-basic'] },
    );
    const endpoints = await oauth2.endpoints();
    assert.equal(endpoints.tokenUrl, op.endpoints.token);
    assert.equal(endpoints.authorizeUrl, op.endpoints.authorization);
    assert.equal(endpoints.revokeUrl, op.endpoints.revocation);
  });

  for (const [clientAuth, clientId, method] of [
    ['header', 'confidential-basic', 'client_secret_basic'],
    ['body', 'confidential-post', 'client_secret_post'],
  ] as const) {
    it(`client_credentials with clientAuth ${clientAuth} (${method}): the API accepts the token`, async function () {
      const start = op.events.length;
      const { client } = await connect(
        { oauth2Grant: 'client_credentials', clientAuth, scope: 'api:read' },
        { clientId, clientSecret: STANDARD_SECRETS[clientId] },
      );
      await assertApiAccepts(client, clientId);
      // One token request (two if a slow machine outlives the 1 s token), each authenticated so.
      const requests = tokenEvents(start, 'client_credentials');
      assert.ok(requests.length >= 1);
      assert.deepEqual(
        requests.map((event) => [event.name, event.clientAuth]),
        requests.map(() => ['grant.success', method]),
      );
    });
  }

  it('a wrong client secret: ERR_AUTH naming invalid_client, and the secret shows nowhere', async function () {
    const wrong = 'Wr0ng+Client/Secret=~';
    const { client } = await connect(
      { oauth2Grant: 'client_credentials' },
      { clientId: 'confidential-basic', clientSecret: wrong },
    );
    const failure = await client.request({ method: 'GET', path: '/data' }).then(
      () => assert.fail('the request succeeded'),
      (err: unknown) => err,
    );
    assert.ok(failure instanceof RestError);
    assert.equal(failure.code, 'ERR_AUTH');
    assert.match(failure.message, /invalid_client/);
    assert.equal(api.requests.filter((request) => request.token === undefined).length, 0, 'nothing reached the API');
    const seen = [failure.message, failure.stack, JSON.stringify(failure), failure.responseBody].join('\n');
    const basic = Buffer.from(`confidential-basic:${encodeURIComponent(wrong)}`).toString('base64');
    for (const form of [wrong, encodeURIComponent(wrong), Buffer.from(wrong).toString('base64'), basic]) {
      assert.ok(!seen.includes(form), `the error shows ${form}`);
    }
  });

  /** alice logs in through the provider's pages; the connection exchanges the code with PKCE. */
  async function logIn(oauth2: OAuth2Auth): Promise<void> {
    const verifier = createCodeVerifier();
    const url = await oauth2.startAuthorization(REDIRECT_URI, 'state-42', verifier);
    assert.ok(url.startsWith(op.endpoints.authorization), url);
    assert.match(url, /code_challenge_method=S256/);
    const back = await new OidcUser().authorize(url);
    assert.equal(back.error, undefined, back.errorDescription);
    assert.equal(back.state, 'state-42');
    await oauth2.completeAuthorization(back.code ?? '', REDIRECT_URI, verifier);
  }

  for (const [kind, clientId, props, credentials] of [
    [
      'a confidential client',
      'confidential-basic',
      { clientAuth: 'header' },
      { clientId: 'confidential-basic', clientSecret: STANDARD_SECRETS['confidential-basic'] },
    ],
    ['a public client', 'public-app', { clientAuth: 'none' }, { clientId: 'public-app' }],
    // The provider refuses Basic base64("public-app:"): an empty secret must mean no Authorization header.
    [
      'a public client left at clientAuth header, empty secret',
      'public-app',
      { clientAuth: 'header' },
      { clientId: 'public-app', clientSecret: '' },
    ],
  ] as const) {
    it(`authorization code + PKCE, ${kind}: login, API, rotating refreshes with reuse detection, revoke`, async function () {
      const start = op.events.length;
      const { client, oauth2 } = await connect(
        { oauth2Grant: 'authorization_code', scope: 'openid api:read', ...props },
        credentials,
      );
      await logIn(oauth2);
      const [exchange] = tokenEvents(start, 'authorization_code');
      assert.equal(exchange?.name, 'grant.success');
      assert.equal(exchange?.clientAuth, clientId === 'public-app' ? 'none' : 'client_secret_basic');
      const tokens = new Set([await assertApiAccepts(client, clientId, 'alice')]);

      // Each wait outlives the access token: the next request refreshes, and the provider rotates.
      for (let i = 0; i < 3; i++) {
        await delay(ACCESS_TTL * 1000 + 100);
        tokens.add(await assertApiAccepts(client, clientId, 'alice'));
      }
      // At least one refresh per wait (a slow machine may need one more); each one rotated and succeeded.
      assert.ok(tokens.size >= 4, `${tokens.size} access tokens: a new one after each refresh`);
      const refreshes = tokenEvents(start, 'refresh_token');
      assert.ok(refreshes.length >= 3, `${refreshes.length} refreshes`);
      assert.deepEqual(
        refreshes.filter((event) => event.name !== 'grant.success'),
        [],
        'a refresh failed (a reused refresh token would be invalid_grant)',
      );
      assert.equal(
        eventsFrom(start).filter((event) => event.name === 'grant.revoked').length,
        0,
        'reuse detection never fired',
      );

      assert.deepEqual((await oauth2.revoke()).revoked, ['refresh_token', 'access_token']);
      const lastToken = api.requests.at(-1)?.token ?? '';
      const check = await fetch(`${api.url}/data`, { headers: { authorization: `Bearer ${lastToken}` } });
      assert.equal(check.status, 401, 'the revoked access token is no longer active');
      await assert.rejects(
        client.request({ method: 'GET', path: '/data' }),
        (err: RestError) => err.code === 'ERR_AUTH',
        'after revoke the connection needs a new login',
      );
    });
  }
});
