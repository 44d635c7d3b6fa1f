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
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { installPackage, startEditorServer } from '../support/editor/node-red-editor';
import { startIntrospectedApi, type IntrospectedApi } from '../support/peers/introspected-api';
import { startOidcProvider, STANDARD_SECRETS, type OidcProvider } from '../support/peers/oidc-provider';
import { OidcUser } from '../support/peers/oidc-user-agent';

type NodeRed = { url: string; stop: () => Promise<void> };
type DeployType = 'full' | 'flows' | 'nodes';
type FlowNode = Record<string, unknown> & { id: string; type: string };

/** Access tokens live this long (s): a wait past it makes the next call refresh, and the provider rotate. */
const ACCESS_TTL = 1;
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const outliveAccessToken = () => delay(ACCESS_TTL * 1000 + 150);

describe('oauth2: oidc-provider, deploys, rotations and restarts of a real Node-RED', function () {
  // A loaded CI machine needs up to about 75 s per case (two Node-RED restarts, about ten token exchanges).
  this.timeout(240000);

  function flows(op: OidcProvider, api: IntrospectedApi, label: string, credentials?: Record<string, string>) {
    const nodes: FlowNode[] = [
      {
        id: 'conn',
        type: 'rest-connection',
        name: 'api',
        baseUrl: api.url,
        authType: 'oauth2',
        oauth2Grant: 'authorization_code',
        discoveryUrl: op.endpoints.discovery,
        scope: 'openid api:read',
        timeout: 5000,
        retries: 0,
        ...(credentials ? { credentials } : {}),
      },
      { id: 'tab-api', type: 'tab', label: 'api calls' },
      { id: 'in', type: 'http in', z: 'tab-api', url: '/call', method: 'get', wires: [['ask']] },
      {
        id: 'ask',
        type: 'execute-rest-scalar',
        z: 'tab-api',
        connection: 'conn',
        method: 'GET',
        path: '/data',
        valuePath: '$.sub',
        wires: [['plain']],
      },
      {
        id: 'plain',
        type: 'change',
        z: 'tab-api',
        rules: [{ t: 'delete', p: 'headers', pt: 'msg' }],
        wires: [['reply']],
      },
      { id: 'reply', type: 'http response', z: 'tab-api', statusCode: '', headers: {} },
      { id: 'caught', type: 'catch', z: 'tab-api', scope: ['ask'], uncaught: false, wires: [['failed']] },
      {
        id: 'failed',
        type: 'change',
        z: 'tab-api',
        rules: [
          { t: 'set', p: 'payload', pt: 'msg', to: 'error', tot: 'msg' },
          { t: 'set', p: 'statusCode', pt: 'msg', to: '502', tot: 'num' },
        ],
        wires: [['plain']],
      },
      { id: 'tab-other', type: 'tab', label: 'another flow' },
      { id: 'note', type: 'comment', z: 'tab-other', name: label, info: '', wires: [] },
    ];
    return nodes;
  }

  async function deploy(nodeRed: NodeRed, type: DeployType, config: FlowNode[]): Promise<void> {
    const response = await fetch(new URL('flows', nodeRed.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Node-RED-API-Version': 'v2', 'Node-RED-Deployment-Type': type },
      body: JSON.stringify({ flows: config }),
    });
    assert.equal(response.status, 200, `deploy (${type}): ${await response.text()}`);
  }

  type CallBody = { code?: string; message?: string } | string;

  /** GET /api/call of the flow; a deploy answers before the nodes have started, so a 404 is asked again. */
  async function call(nodeRed: NodeRed): Promise<{ status: number; body: CallBody }> {
    const deadline = Date.now() + 30000;
    for (;;) {
      let response: Response | undefined;
      try {
        response = await fetch(new URL('api/call', nodeRed.url), { signal: AbortSignal.timeout(5000) });
      } catch (err) {
        if ((err as Error).name !== 'TimeoutError' || Date.now() > deadline) throw err;
      }
      if (response && (response.status !== 404 || Date.now() > deadline)) {
        const text = await response.text();
        return { status: response.status, body: (text.startsWith('{') ? JSON.parse(text) : text) as CallBody };
      }
      await delay(100);
    }
  }

  async function callSucceeds(nodeRed: NodeRed, what: string): Promise<void> {
    const { status, body } = await call(nodeRed);
    assert.equal(status, 200, `${what}: ${JSON.stringify(body)}`);
    assert.equal(body, 'alice', `${what}: the API saw alice's token`);
  }

  /** The user clicks Authorize in the editor and logs in on the provider's pages. */
  async function logIn(nodeRed: NodeRed): Promise<void> {
    const authorize = () => fetch(new URL('rest-connection/conn/authorize', nodeRed.url), { redirect: 'manual' });
    let start = await authorize();
    for (
      const deadline = Date.now() + 15000;
      start.status !== 302 && Date.now() < deadline;
      start = await authorize()
    ) {
      await delay(100);
    }
    assert.equal(start.status, 302, await start.text());
    const back = await new OidcUser().authorize(start.headers.get('location') ?? '');
    assert.equal(back.error, undefined, back.errorDescription);
    assert.equal(back.url.origin + back.url.pathname, new URL('rest-connection/callback', nodeRed.url).href);
    const page = await fetch(back.url);
    assert.equal(page.status, 200, await page.text());
  }

  function withProviderAndNodeRed(
    title: string,
    body: (
      peers: () => { op: OidcProvider; api: IntrospectedApi; nodeRed: NodeRed },
      restart: () => Promise<void>,
    ) => void,
  ) {
    describe(title, function () {
      let userDir: string;
      let nodeRed: NodeRed | undefined;
      let op: OidcProvider | undefined;
      let api: IntrospectedApi | undefined;
      before(async function () {
        userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rest-oidc-deploys-'));
        installPackage(userDir);
        nodeRed = await startEditorServer(userDir);
        // The callback URI is Node-RED's own, known once it listens.
        op = await startOidcProvider({
          redirectUris: [new URL('rest-connection/callback', nodeRed.url).href],
          ttl: { accessToken: ACCESS_TTL },
        });
        api = await startIntrospectedApi(op);
      });
      after(async function () {
        await nodeRed?.stop();
        await api?.close();
        await op?.close();
        fs.rmSync(userDir, { recursive: true, force: true });
      });
      body(
        () => ({ op: op as OidcProvider, api: api as IntrospectedApi, nodeRed: nodeRed as NodeRed }),
        async () => {
          await nodeRed?.stop();
          nodeRed = undefined;
          nodeRed = await startEditorServer(userDir);
        },
      );
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
    withProviderAndNodeRed(`a "${type}" deploy after the login, then rotations and restarts`, (peers, restart) => {
      it('never sends a refresh token twice, and every call succeeds', async function () {
        const { op, api } = peers();
        await deploy(peers().nodeRed, 'full', flows(op, api, 'v1', credentials));
        await logIn(peers().nodeRed);
        await callSucceeds(peers().nodeRed, 'after the login');

        // Saves flows_cred.json with the first refresh token; a partial deploy keeps the connection running.
        await deploy(peers().nodeRed, type, flows(op, api, 'v2'));
        await outliveAccessToken();
        await callSucceeds(peers().nodeRed, 'after the deploy, with a rotation');

        await restart();
        await callSucceeds(peers().nodeRed, 'after the restart');
        await outliveAccessToken();
        await callSucceeds(peers().nodeRed, 'after the restart, with a rotation');
        assertNoRefreshTokenReused(op, 2);

        // Again: another deploy of the same type, two rotations, a restart.
        await deploy(peers().nodeRed, type, flows(op, api, 'v3'));
        await outliveAccessToken();
        await callSucceeds(peers().nodeRed, 'after the second deploy, with a rotation');
        await outliveAccessToken();
        await callSucceeds(peers().nodeRed, 'with one more rotation');
        await restart();
        await outliveAccessToken();
        await callSucceeds(peers().nodeRed, 'after the second restart, with a rotation');
        assertNoRefreshTokenReused(op, 5);
      });
    });
  }

  withProviderAndNodeRed('Revoke in the editor', (peers) => {
    it('revokes the grant at the provider; the next call needs a new login (ERR_AUTH), and a login works again', async function () {
      const { op, api, nodeRed } = peers();
      await deploy(nodeRed, 'full', flows(op, api, 'v1', credentials));
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
