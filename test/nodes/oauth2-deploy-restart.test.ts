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
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { installPackage, startEditorServer } from '../support/editor/node-red-editor';
import { startAuthServer } from '../support/oauth2-server';
import { startProtectedApi } from '../support/oauth2-api';

type AuthServer = Awaited<ReturnType<typeof startAuthServer>>;
type ProtectedApi = Awaited<ReturnType<typeof startProtectedApi>>;
type NodeRed = { url: string; stop: () => Promise<void> };
type DeployType = 'full' | 'flows' | 'nodes';
type FlowNode = Record<string, unknown> & { id: string; type: string };

describe('nodes: OAuth2 refresh token rotation across deploys and restarts (child-process Node-RED)', function () {
  this.timeout(120000);
  let auth: AuthServer;
  let api: ProtectedApi;

  before(async () => {
    auth = await startAuthServer();
    api = await startProtectedApi(auth);
  });
  after(async () => {
    await api?.close();
    await auth?.stop();
  });

  /** The connection, an HTTP endpoint that asks the API through it, and a second flow to edit. */
  function flows(otherFlowLabel: string, connectionCredentials?: Record<string, string>): FlowNode[] {
    return [
      {
        id: 'conn',
        type: 'rest-connection',
        name: 'api',
        baseUrl: api.url,
        authType: 'oauth2',
        oauth2Grant: 'authorization_code',
        tokenUrl: auth.tokenUrl,
        authorizeUrl: auth.authorizeUrl,
        scope: 'openid offline_access',
        timeout: 5000,
        retries: 0,
        ...(connectionCredentials ? { credentials: connectionCredentials } : {}),
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
        valuePath: '$.value',
        wires: [['plain']],
      },
      // The API's response headers (content-length…) are not this answer's.
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
      { id: 'note', type: 'comment', z: 'tab-other', name: otherFlowLabel, info: '', wires: [] },
    ];
  }

  function withNodeRed(title: string, body: (nodeRed: () => NodeRed, restart: () => Promise<void>) => void) {
    describe(title, () => {
      let userDir: string;
      let nodeRed: NodeRed | undefined;
      before(async () => {
        auth.reset();
        auth.behaviour.revokeFamilyOnReuse = true;
        userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rest-oauth2-deploys-'));
        installPackage(userDir);
        nodeRed = await startEditorServer(userDir);
      });
      after(async () => {
        await nodeRed?.stop();
        fs.rmSync(userDir, { recursive: true, force: true });
      });
      body(
        () => nodeRed as NodeRed,
        async () => {
          await nodeRed?.stop();
          nodeRed = undefined;
          nodeRed = await startEditorServer(userDir);
        },
      );
    });
  }

  async function deploy(nodeRed: NodeRed, type: DeployType, config: FlowNode[]): Promise<void> {
    const response = await fetch(new URL('flows', nodeRed.url), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'Node-RED-API-Version': 'v2',
        'Node-RED-Deployment-Type': type,
      },
      body: JSON.stringify({ flows: config }),
    });
    assert.equal(response.status, 200, `deploy (${type}): ${await response.text()}`);
  }

  /**
   * GET /api/call of the flow: the API's value, or the caught error. A deploy answers before the
   * nodes have (re)started: until then the route is missing (404), or a node being replaced drops
   * the message (no answer). Neither reached the API, so asking again is safe.
   */
  /** What the flow's http in node answers: the value read from the API, or the error it caught. */
  type CallBody = { code?: string; message?: string } | number;

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
        return { status: response.status, body: JSON.parse(await response.text()) as CallBody };
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function callSucceeds(nodeRed: NodeRed, what: string): Promise<void> {
    const { status, body } = await call(nodeRed);
    assert.equal(status, 200, `${what}: ${JSON.stringify(body)}`);
    assert.equal(body, 42);
  }

  /** The user clicks Authorize and logs in at the provider. */
  async function logIn(nodeRed: NodeRed): Promise<void> {
    const authorize = () => fetch(new URL('rest-connection/conn/authorize', nodeRed.url), { redirect: 'manual' });
    let start = await authorize();
    // A deploy answers before the nodes have started.
    for (
      const deadline = Date.now() + 15000;
      start.status !== 302 && Date.now() < deadline;
      start = await authorize()
    ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(start.status, 302, await start.text());
    const provider = await fetch(start.headers.get('location') ?? '', { redirect: 'manual' });
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

  withNodeRed('a refresh token the user deploys in the editor', (nodeRed, restart) => {
    it('is used, instead of the one the connection holds, also after a rotation and a restart', async () => {
      await deploy(nodeRed(), 'full', flows('v1', credentials()));
      await logIn(nodeRed());
      await deploy(nodeRed(), 'flows', flows('v2'));
      rotateOnNextCall();
      await callSucceeds(nodeRed(), 'after a rotation');

      const pasted = auth.issueRefreshToken('refresh-token-the-user-pasted-in-the-editor');
      await deploy(nodeRed(), 'nodes', flows('v2', { refreshToken: pasted }));
      rotateOnNextCall();
      await callSucceeds(nodeRed(), 'after deploying the new refresh token');
      assert.equal(refreshRequests().at(-1)?.params.refresh_token, pasted, 'the deployed token was sent');

      await restart();
      rotateOnNextCall();
      await callSucceeds(nodeRed(), 'after the restart');
      assert.equal(refreshRequests().at(-1)?.params.refresh_token, refreshRequests().at(-2)?.refreshToken);
      assertNoRefreshTokenReused();
    });
  });
});
