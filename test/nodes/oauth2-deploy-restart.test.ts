/**
 * A refresh token the user deploys in the editor, across rotations and a restart of a real
 * Node-RED (its own process, user dir and credential secret), against a token endpoint that
 * rotates refresh tokens and, on reuse, revokes the whole grant. The test token endpoint can
 * issue a refresh token the user "pastes"; the connection must use it instead of the one it holds,
 * and after the restart must count its own rotated successor as its own.
 *
 * Every deploy type ("Full", "Modified Flows", "Modified Nodes") after a login, followed by
 * rotations and restarts, is tested against a real provider in
 * test/oauth2/oidc-provider-deploys.test.ts.
 */
import assert from 'node:assert/strict';
import { codeGrantFlows, callRoute, deploy, startAuthorization, startNodeRedChild } from '../support/node-red-child';
import type { NodeRedChild } from '../support/node-red-child';
import { startAuthServer } from '../support/oauth2-server';
import { startProtectedApi } from '../support/oauth2-api';

type AuthServer = Awaited<ReturnType<typeof startAuthServer>>;
type ProtectedApi = Awaited<ReturnType<typeof startProtectedApi>>;

describe('nodes: OAuth2 refresh token rotation across deploys and restarts (child-process Node-RED)', function () {
  this.timeout(120000);
  let auth: AuthServer;
  let api: ProtectedApi;
  let nodeRed: NodeRedChild | undefined;

  before(async () => {
    auth = await startAuthServer();
    auth.behaviour.revokeFamilyOnReuse = true;
    api = await startProtectedApi(auth);
    nodeRed = await startNodeRedChild('oauth2-deploys');
  });
  after(async () => {
    await nodeRed?.close();
    await api?.close();
    await auth?.stop();
  });

  /** The connection, the route /call that asks the API through it, and a second flow to edit. */
  function flows(otherFlowLabel: string, connectionCredentials?: Record<string, string>) {
    const connection = {
      baseUrl: api.url,
      tokenUrl: auth.tokenUrl,
      authorizeUrl: auth.authorizeUrl,
      scope: 'openid offline_access',
    };
    return codeGrantFlows(connection, '$.value', otherFlowLabel, connectionCredentials);
  }

  async function callSucceeds(what: string): Promise<void> {
    const { status, body } = await callRoute(node(), '/call');
    assert.equal(status, 200, `${what}: ${JSON.stringify(body)}`);
    assert.equal(body, 42);
  }

  const node = () => nodeRed as NodeRedChild;

  /** The user clicks Authorize and logs in at the provider. */
  async function logIn(): Promise<void> {
    const provider = await fetch(await startAuthorization(node()), { redirect: 'manual' });
    const page = await fetch(provider.headers.get('location') ?? '', { redirect: 'manual' });
    assert.equal(page.status, 200, await page.text());
  }

  /** The API refuses the token it saw last, so the next call renews it with the refresh token. */
  function rotateOnNextCall(): void {
    api.reject(api.requests.at(-1)?.token ?? '');
  }

  function refreshRequests() {
    return auth.ledger.tokenRequests.filter((entry) => entry.grant === 'refresh_token');
  }

  function assertNoRefreshTokenReused(): void {
    assert.deepEqual(auth.reusedRefreshTokens(), [], 'the token endpoint saw a refresh token twice');
    assert.deepEqual(auth.ledger.revokedFamilies, [], 'no grant was revoked');
    for (const refresh of refreshRequests()) assert.equal(refresh.status, 200);
  }

  const credentials = () => ({ clientId: auth.clientId, clientSecret: auth.clientSecret });

  it('a refresh token the user deploys in the editor is used instead of the one the connection holds, also after a rotation and a restart', async () => {
    await deploy(node(), flows('v1', credentials()), 'full');
    await logIn();
    await deploy(node(), flows('v2'), 'flows');
    rotateOnNextCall();
    await callSucceeds('after a rotation');

    const pasted = auth.issueRefreshToken('refresh-token-the-user-pasted-in-the-editor');
    await deploy(node(), flows('v2', { refreshToken: pasted }), 'nodes');
    rotateOnNextCall();
    await callSucceeds('after deploying the new refresh token');
    assert.equal(refreshRequests().at(-1)?.params.refresh_token, pasted, 'the deployed token was sent');

    await node().restart();
    rotateOnNextCall();
    await callSucceeds('after the restart');
    assert.equal(refreshRequests().at(-1)?.params.refresh_token, refreshRequests().at(-2)?.refreshToken);
    assertNoRefreshTokenReused();
  });
});
