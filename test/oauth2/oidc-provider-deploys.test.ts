/**
 * A real Node-RED (its own process, user dir and credential secret) with an authorization code
 * connection to a certified OpenID Provider (npm oidc-provider) that rotates refresh tokens and,
 * on reuse, revokes the whole grant; the flow's API checks every token by introspection.
 *
 * The user logs in through the admin routes (/rest-connection/:id/authorize, the provider's own
 * login and consent pages, /rest-connection/callback). Then every deploy type ("Full", "Modified
 * Flows", "Modified Nodes") is followed by rotations and Node-RED restarts: the provider never
 * sees a refresh token twice (no invalid_grant, no revoked grant) and every call succeeds. Revoke
 * (POST /rest-connection/:id/revoke) ends the grant: the next call needs a new login (ERR_AUTH).
 */
import assert from 'node:assert/strict';
import { codeGrantFlows, callRoute, deploy, startAuthorization, startNodeRedChild } from '../support/node-red-child';
import type { NodeRedChild } from '../support/node-red-child';
import { startIntrospectedApi, type IntrospectedApi } from '../support/peers/introspected-api';
import { startOidcProvider, STANDARD_SECRETS, type OidcProvider } from '../support/peers/oidc-provider';
import { OidcUser } from '../support/peers/oidc-user-agent';

/** Access tokens live this long (s): a wait past it makes the next call refresh, and the provider rotate. */
const ACCESS_TTL = 1;
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const outliveAccessToken = () => delay(ACCESS_TTL * 1000 + 150);

describe('oauth2: oidc-provider, deploys, rotations and restarts of a real Node-RED', function () {
  // A loaded CI machine needs up to about 75 s per case (two Node-RED restarts, about ten token exchanges).
  this.timeout(240000);

  function flows(op: OidcProvider, api: IntrospectedApi, label: string, credentials?: Record<string, string>) {
    const connection = { baseUrl: api.url, discoveryUrl: op.endpoints.discovery, scope: 'openid api:read' };
    return codeGrantFlows(connection, '$.sub', label, credentials);
  }

  const call = (nodeRed: NodeRedChild) => callRoute(nodeRed, '/call');

  async function callSucceeds(nodeRed: NodeRedChild, what: string): Promise<void> {
    const { status, body } = await call(nodeRed);
    assert.equal(status, 200, `${what}: ${JSON.stringify(body)}`);
    assert.equal(body, 'alice', `${what}: the API saw alice's token`);
  }

  /** The user clicks Authorize in the editor and logs in on the provider's pages. */
  async function logIn(nodeRed: NodeRedChild): Promise<void> {
    const back = await new OidcUser().authorize((await startAuthorization(nodeRed)).href);
    assert.equal(back.error, undefined, back.errorDescription);
    assert.equal(back.url.origin + back.url.pathname, new URL('rest-connection/callback', nodeRed.url).href);
    const page = await fetch(back.url);
    assert.equal(page.status, 200, await page.text());
  }

  function withProviderAndNodeRed(
    title: string,
    body: (peers: () => { op: OidcProvider; api: IntrospectedApi; nodeRed: NodeRedChild }) => void,
  ) {
    describe(title, function () {
      let nodeRed: NodeRedChild | undefined;
      let op: OidcProvider | undefined;
      let api: IntrospectedApi | undefined;
      before(async function () {
        nodeRed = await startNodeRedChild('oidc-deploys');
        // The callback URI is Node-RED's own, known once it listens.
        op = await startOidcProvider({
          redirectUris: [new URL('rest-connection/callback', nodeRed.url).href],
          ttl: { accessToken: ACCESS_TTL },
        });
        api = await startIntrospectedApi(op);
      });
      after(async function () {
        await nodeRed?.close();
        await api?.close();
        await op?.close();
      });
      body(() => ({ op: op as OidcProvider, api: api as IntrospectedApi, nodeRed: nodeRed as NodeRedChild }));
    });
  }

  /** Every refresh the provider saw succeeded, and it never revoked a grant (reuse detection did not fire). */
  function assertNoRefreshTokenReused(op: OidcProvider, atLeast: number): void {
    const refreshes = op.events.filter(
      (event) => event.name.startsWith('grant.') && event.grantType === 'refresh_token',
    );
    assert.deepEqual(
      refreshes.filter((event) => event.name !== 'grant.success'),
      [],
      'a refresh failed (a reused refresh token is invalid_grant)',
    );
    assert.ok(refreshes.length >= atLeast, `${refreshes.length} refreshes, expected at least ${atLeast}`);
    assert.deepEqual(
      op.events.filter((event) => event.name === 'grant.revoked'),
      [],
      'the provider revoked a grant',
    );
  }

  const credentials = { clientId: 'confidential-basic', clientSecret: STANDARD_SECRETS['confidential-basic'] };

  for (const type of ['full', 'flows', 'nodes'] as const) {
    withProviderAndNodeRed(`a "${type}" deploy after the login, then rotations and restarts`, (peers) => {
      it('never sends a refresh token twice, and every call succeeds', async function () {
        const { op, api } = peers();
        await deploy(peers().nodeRed, flows(op, api, 'v1', credentials), 'full');
        await logIn(peers().nodeRed);
        await callSucceeds(peers().nodeRed, 'after the login');

        // Saves flows_cred.json with the first refresh token; a partial deploy keeps the connection running.
        await deploy(peers().nodeRed, flows(op, api, 'v2'), type);
        await outliveAccessToken();
        await callSucceeds(peers().nodeRed, 'after the deploy, with a rotation');

        await peers().nodeRed.restart();
        await callSucceeds(peers().nodeRed, 'after the restart');
        await outliveAccessToken();
        await callSucceeds(peers().nodeRed, 'after the restart, with a rotation');
        assertNoRefreshTokenReused(op, 2);

        // Again: another deploy of the same type, two rotations, a restart.
        await deploy(peers().nodeRed, flows(op, api, 'v3'), type);
        await outliveAccessToken();
        await callSucceeds(peers().nodeRed, 'after the second deploy, with a rotation');
        await outliveAccessToken();
        await callSucceeds(peers().nodeRed, 'with one more rotation');
        await peers().nodeRed.restart();
        await outliveAccessToken();
        await callSucceeds(peers().nodeRed, 'after the second restart, with a rotation');
        assertNoRefreshTokenReused(op, 5);
      });
    });
  }

  withProviderAndNodeRed('Revoke in the editor', (peers) => {
    it('revokes the grant at the provider; the next call needs a new login (ERR_AUTH), and a login works again', async function () {
      const { op, api, nodeRed } = peers();
      await deploy(nodeRed, flows(op, api, 'v1', credentials), 'full');
      await logIn(nodeRed);
      await callSucceeds(nodeRed, 'after the login');
      const token = api.requests.at(-1)?.token ?? '';

      const revoke = await fetch(new URL('rest-connection/conn/revoke', nodeRed.url), { method: 'POST' });
      assert.equal(revoke.status, 200);
      assert.deepEqual(((await revoke.json()) as { revoked: string[] }).revoked, ['refresh_token', 'access_token']);
      const check = await fetch(`${api.url}/data`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(check.status, 401, 'the provider no longer holds the access token active');

      const { status, body } = await call(nodeRed);
      assert.equal(status, 502);
      assert.equal((body as { code?: string }).code, 'ERR_AUTH');

      await logIn(nodeRed);
      await callSucceeds(nodeRed, 'after a new login');
    });
  });
});
