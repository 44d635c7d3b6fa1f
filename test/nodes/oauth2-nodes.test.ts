/**
 * OAuth2 in deployed flows (node-red-node-test-helper): a rest-connection with OAuth2, an
 * execute-rest-scalar node, a real authorization server (oauth2-mock-server) and an API that
 * verifies the JWTs. Covers restarts with the durable token store and the admin routes
 * (authorize -> provider -> callback, revoke, test, discover) driven over real HTTP.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import type { NodeAPI } from 'node-red';
import { flowWith, helper, load, messages, nextCaught, nextMessage, statuses, useNodeRed } from '../support/node-red';
import type { Caught, HelperNode, Msg, TestHelper } from '../support/node-red';
import { startAuthServer, type AuthServer } from '../support/oauth2-server';
import { clientCredentialsConnection, startProtectedApi, type ProtectedApi } from '../support/oauth2-api';
import { createPeerDir, removePeerDir } from '../support/peers/peer-dir';
import { assertNoSecret } from '../support/secret-scan';
import { forgetStoredTokens } from '../../nodes/rest-connection/token-store-settings';
import { DurableTokenStore } from '../../lib/oauth2/token-store';

/** Node-RED internals of the test helper these tests reach: the admin app and the runtime credentials. */
const runtime = helper as TestHelper & {
  _httpAdmin: http.RequestListener;
  _redNodes: { getCredentials(id: string): { refreshToken?: string } };
};

/** The connection node as Node-RED closes it when a deploy removes it. */
type ClosingNode = HelperNode & { close(removed: boolean): Promise<void> };

/** forgetStoredTokens reads only RED.settings. */
const redWith = (settings: object) => ({ settings }) as unknown as NodeAPI;

interface Outcome {
  msg?: Msg;
  caught?: Caught;
}

interface LoginStart {
  status: number;
  body?: string;
  callback?: string;
}

interface TestAnswer {
  ok: boolean;
  statusCode?: number;
  timeMs?: number;
  error?: { code: string };
}

const CREDENTIAL_SECRET = 'node-red-credential-secret-for-tests';

describe('OAuth2 in flows', function () {
  let auth: AuthServer;
  let api: ProtectedApi;
  let userDir: string;
  let admin: http.Server; // a real HTTP server in front of the helper's admin app
  const seen: string[] = []; // everything the user could see: log lines, statuses, messages, admin answers
  const issued: string[] = []; // every token the server issued

  useNodeRed();
  before(async () => {
    auth = await startAuthServer();
    api = await startProtectedApi(auth);
    userDir = createPeerDir('oauth2-nodes');
    helper.settings({ userDir, credentialSecret: CREDENTIAL_SECRET });
    admin = http.createServer((req, res) => runtime._httpAdmin(req, res));
    await new Promise<void>((resolve) => admin.listen(0, '127.0.0.1', resolve));
  });
  after(async () => {
    helper.settings({});
    admin.closeAllConnections();
    await new Promise<void>((resolve) => admin.close(() => resolve()));
    await api.close();
    await auth.stop();
    removePeerDir(userDir);
  });

  const adminUrl = (route: string) => `http://127.0.0.1:${(admin.address() as net.AddressInfo).port}${route}`;

  /** The connection `conn` (client credentials unless `connection` says otherwise) and the scalar query `query`. */
  function flow(connection: object = {}): object[] {
    return flowWith({
      ids: { connection: 'conn', node: 'query' },
      type: 'execute-rest-scalar',
      connection: { ...clientCredentialsConnection(auth, api), ...connection },
      node: { method: 'GET', path: '/data', valuePath: '$.value' },
    });
  }
  const credentials = (extra: Record<string, string> = {}) => ({
    conn: { clientId: auth.clientId, clientSecret: auth.clientSecret, ...extra },
  });

  async function ask(msg: object = { payload: 'go' }): Promise<Outcome> {
    const outcome = Promise.race([
      nextMessage('out').then((out): Outcome => ({ msg: out })),
      nextCaught('caught').then((caught): Outcome => ({ caught })),
    ]);
    helper.getNode('query').receive(msg);
    const result = await outcome;
    seen.push(JSON.stringify(result));
    return result;
  }

  /** The message the query node sent; fails with the caught error's message when there is none. */
  async function askOutput(): Promise<Msg> {
    const { msg, caught } = await ask();
    assert.ok(msg, `no value: ${caught?.error.code} ${caught?.error.message}`);
    return msg;
  }

  /** The value a message got; fails with the caught error's message when there is none. */
  async function askValue(): Promise<unknown> {
    return (await askOutput()).payload;
  }

  /** What the catch node got; fails when the query node sent output instead. */
  async function askFailure(msg?: object): Promise<Caught> {
    const { msg: out, caught } = await ask(msg);
    assert.ok(caught, `output instead of an error: ${JSON.stringify(out)}`);
    return caught;
  }

  describe('with a deployed flow', () => {
    beforeEach(() => {
      auth.reset();
      // Each test starts without tokens kept by an earlier one (same connection id).
      fs.rmSync(path.join(userDir, 'rest-connection-tokens'), { recursive: true, force: true });
    });
    afterEach(() => {
      // Inner afterEach runs before the helper unloads: collect what the user saw.
      issued.push(...auth.issuedSecrets());
      for (const call of helper.log().getCalls()) seen.push(JSON.stringify(call.args));
      for (const id of ['conn', 'query']) {
        // A test that failed before loading its flow has no nodes.
        const node = helper.getNode(id) as HelperNode | null;
        if (node) seen.push(JSON.stringify(statuses(id)));
      }
    });

    it('client_credentials: a message gets the value, with one token request', async () => {
      await load(flow(), credentials());
      const msg = await askOutput();
      assert.equal(msg.payload, 42);
      assert.equal(msg.statusCode, 200);
      assert.equal(auth.count('client_credentials'), 1);
    });

    it('200 messages at once make exactly one token request', async () => {
      await load(flow(), credentials());
      const outputs = messages('out', 200, 15000);
      for (let i = 0; i < 200; i++) helper.getNode('query').receive({ payload: i });
      const received = await outputs;
      assert.ok(received.every((msg) => msg.payload === 42));
      assert.equal(auth.count(), 1, `token requests: ${auth.count()}`);
    });

    it('deleting the connection (a deploy without it) deletes its stored tokens', async () => {
      await load(flow(), credentials());
      assert.equal(await askValue(), 42);
      const file = path.join(userDir, 'rest-connection-tokens', 'conn.json');
      assert.ok(fs.existsSync(file), 'the token was stored');
      // What Node-RED does to a node a deploy removes: close it with removed === true.
      await (helper.getNode('conn') as ClosingNode).close(true);
      assert.equal(fs.existsSync(file), false, 'the store file went with the connection');
    });

    it('a rotated refresh token survives a restart; the deployed one is refused by the server', async () => {
      const deployed = auth.issueRefreshToken('deployed-flow-refresh-token');
      const creds = credentials({ refreshToken: deployed });
      await load(flow({ oauth2Grant: 'refresh_token' }), creds);
      assert.equal(await askValue(), 42);
      const rotated = auth.ledger.tokenRequests[0]?.refreshToken;
      assert.equal(runtime._redNodes.getCredentials('conn').refreshToken, rotated, 'in-memory credentials updated');
      assert.ok(fs.existsSync(path.join(userDir, 'rest-connection-tokens', 'conn.json')));

      // Restart: the same flow and the same deployed credentials, the same userDir.
      await helper.unload();
      await load(flow({ oauth2Grant: 'refresh_token' }), credentials({ refreshToken: deployed }));
      assert.equal(await askValue(), 42);
      assert.equal(auth.count(), 1, 'the stored access token was reused');
      api.reject(api.requests.at(-1)!.token); // force a refresh
      assert.equal(await askValue(), 42);
      const refresh = auth.ledger.tokenRequests[1]!;
      assert.equal(refresh.params.refresh_token, rotated);
      assert.equal(refresh.status, 200);
      assert.equal(auth.liveRefreshTokens.has(deployed), false, 'the deployed token would have been refused');
    });

    it('invalid_grant: the caught message has ERR_AUTH and the node shows "authorization needed"', async () => {
      await load(flow({ oauth2Grant: 'refresh_token' }), credentials({ refreshToken: 'long-revoked-refresh-token' }));
      const caught = await askFailure();
      assert.ok(caught, 'the catch node got the message');
      assert.equal(caught.error.code, 'ERR_AUTH');
      assert.match(caught.error.message, /authorized again/);
      assert.ok(
        statuses('query').some((status) => status.text === 'authorization needed'),
        JSON.stringify(statuses('query')),
      );
    });

    it("invalid_grant: the caught message carries the token endpoint's status and headers (redacted), not its own", async () => {
      await load(flow({ oauth2Grant: 'refresh_token' }), credentials({ refreshToken: 'long-revoked-refresh-token' }));
      const caught = await askFailure({ payload: 'go', headers: { 'x-from-the-flow': 'mine' } });
      assert.equal(caught.error.code, 'ERR_AUTH');
      assert.equal(caught.statusCode, 400);
      const headers = caught.headers ?? {};
      assert.equal(headers['x-from-the-flow'], undefined, 'not the headers the message came with');
      assert.match(String(headers['content-type']), /application\/json/);
      assert.match(String(headers['www-authenticate']), /invalid_grant.*refresh token \*\*\* is expired/);
      assert.match(caught.responseBody ?? '', /invalid_grant/);
    });

    it('password grant: a refused refresh token is replaced using the password; messages keep working, also after a restart', async () => {
      auth.behaviour.expiresIn = 2;
      const passwordFlow = () => flow({ oauth2Grant: 'password' });
      const creds = () => credentials({ username: 'ada', password: 'user-password-value' });
      await load(passwordFlow(), creds());
      assert.equal(await askValue(), 42);
      auth.liveRefreshTokens.clear(); // revoked by the provider
      await new Promise<void>((resolve) => setTimeout(resolve, 1900));
      assert.equal(await askValue(), 42);
      assert.equal(await askValue(), 42);
      const grants = () => auth.ledger.tokenRequests.map((request) => `${request.grant}:${request.status}`);
      assert.deepEqual(grants(), ['password:200', 'refresh_token:400', 'password:200']);
      assert.ok(!statuses('query').some((status) => status.text === 'authorization needed'));

      await helper.unload();
      await load(passwordFlow(), creds());
      await new Promise<void>((resolve) => setTimeout(resolve, 1900));
      assert.equal(await askValue(), 42);
      assert.deepEqual(grants(), ['password:200', 'refresh_token:400', 'password:200', 'refresh_token:200']);
      assert.equal(auth.ledger.tokenRequests[3]?.params.refresh_token, auth.ledger.tokenRequests[2]?.refreshToken);
    });

    it('redeploy during a refresh: the rotated refresh token reaches the new connection', async () => {
      const deployed = auth.issueRefreshToken('deployed-flow-refresh-token-2');
      const refreshFlow = () => flow({ oauth2Grant: 'refresh_token' });
      await load(refreshFlow(), credentials({ refreshToken: deployed }));
      assert.equal(await askValue(), 42);
      auth.behaviour.answerDelayMs = 400; // the server has rotated; its answer is on the way
      api.reject(api.requests.at(-1)!.token);
      helper.getNode('query').receive({ payload: 'during the redeploy' });
      while (auth.count() < 2) await new Promise<void>((resolve) => setTimeout(resolve, 10));
      await helper.unload(); // Node-RED closes the connection node
      auth.behaviour.answerDelayMs = 0;
      await load(refreshFlow(), credentials({ refreshToken: deployed }));
      assert.equal(await askValue(), 42);
      api.reject(api.requests.at(-1)!.token);
      assert.equal(await askValue(), 42);
      const [, during, after] = auth.ledger.tokenRequests;
      assert.equal(after?.params.refresh_token, during?.refreshToken);
      assert.equal(after?.status, 200);
      assert.equal(auth.count(), 3);
    });

    it('token endpoint down: ERR_NETWORK, no crash; the next message works once it is back', async () => {
      await load(flow(), credentials());
      await auth.stop();
      try {
        const caught = await askFailure();
        assert.equal(caught.error.code, 'ERR_NETWORK');
        assert.match(caught.error.message, /token endpoint/);
      } finally {
        await auth.start();
      }
      assert.equal(await askValue(), 42);
    });

    it('authorization code login from the editor: authorize -> provider -> callback -> API request', async () => {
      await load(
        flow({ oauth2Grant: 'authorization_code', discoveryUrl: auth.url, tokenUrl: '', scope: 'openid' }),
        credentials(),
      );
      assert.equal((await askFailure()).error.code, 'ERR_AUTH', 'not authorized yet');

      const start = await fetch(adminUrl('/rest-connection/conn/authorize'), { redirect: 'manual' });
      assert.equal(start.status, 302);
      const login = new URL(start.headers.get('location') ?? '');
      assert.equal(`${login.origin}${login.pathname}`, auth.authorizeUrl);
      assert.equal(login.searchParams.get('redirect_uri'), adminUrl('/rest-connection/callback'));
      assert.equal(login.searchParams.get('code_challenge_method'), 'S256');
      assert.ok((login.searchParams.get('state') ?? '').length >= 40);

      const provider = await fetch(login, { redirect: 'manual' });
      const callback = provider.headers.get('location') ?? '';
      assert.ok(callback.startsWith(adminUrl('/rest-connection/callback?')));
      const page = await fetch(callback, { redirect: 'manual' });
      const text = await page.text();
      seen.push(text);
      assert.equal(page.status, 200, text);
      assert.match(text, /You can close this window/);

      assert.equal(await askValue(), 42);
      assert.equal(auth.count('authorization_code'), 1);
      assert.ok(runtime._redNodes.getCredentials('conn').refreshToken, 'the refresh token is kept in memory too');

      const replay = await fetch(callback, { redirect: 'manual' });
      assert.equal(replay.status, 400, 'a state works once');
      const forged = await fetch(adminUrl('/rest-connection/callback?code=abc&state=forged'));
      assert.equal(forged.status, 400);
      assert.equal(auth.count('authorization_code'), 1, 'no exchange for a forged state');
    });

    it('pending logins: at most 100 are kept (oldest dropped), and one that could not start is not kept', async () => {
      const loginFlow = flow({ oauth2Grant: 'authorization_code', discoveryUrl: auth.url, tokenUrl: '' });
      loginFlow.push({ ...loginFlow[1], id: 'conn-cc', oauth2Grant: 'client_credentials', tokenUrl: auth.tokenUrl });
      await load(loginFlow, { ...credentials(), 'conn-cc': credentials().conn });
      const startLogin = async (id = 'conn'): Promise<LoginStart> => {
        const start = await fetch(adminUrl(`/rest-connection/${id}/authorize`), { redirect: 'manual' });
        if (start.status !== 302) return { status: start.status, body: await start.text() };
        const provider = await fetch(start.headers.get('location') ?? '', { redirect: 'manual' });
        return { status: start.status, callback: provider.headers.get('location') ?? undefined };
      };
      const finish = async (callback: string | undefined) => {
        assert.ok(callback, 'the login started');
        const page = await fetch(callback, { redirect: 'manual' });
        seen.push(await page.text());
        return page.status;
      };

      const kept = await startLogin();
      for (let i = 0; i < 100; i++) {
        const refused = await startLogin('conn-cc');
        assert.equal(refused.status, 400, 'the client_credentials connection cannot start a login');
      }
      assert.equal(await finish(kept.callback), 200, 'refused starts did not push the pending login out');

      const oldest = await startLogin();
      let newest: LoginStart | undefined;
      for (let i = 0; i < 100; i++) newest = await startLogin();
      assert.equal(await finish(oldest.callback), 400, 'the oldest of 101 pending logins was dropped');
      assert.equal(await finish(newest?.callback), 200);
      assert.equal(auth.count('authorization_code'), 2);
    });

    it('revoke: the revocation endpoint gets both tokens, which are forgotten (store and memory)', async () => {
      const initial = auth.issueRefreshToken('flow-refresh-token-to-revoke');
      await load(
        flow({ oauth2Grant: 'refresh_token', revokeUrl: auth.revokeUrl }),
        credentials({ refreshToken: initial }),
      );
      assert.equal(await askValue(), 42);
      const file = path.join(userDir, 'rest-connection-tokens', 'conn.json');
      assert.ok(fs.existsSync(file));
      const response = await fetch(adminUrl('/rest-connection/conn/revoke'), { method: 'POST' });
      const body = (await response.json()) as unknown;
      seen.push(JSON.stringify(body));
      assert.deepEqual(body, { ok: true, revoked: ['refresh_token', 'access_token'] });
      assert.deepEqual(
        auth.ledger.revocations.map((entry) => entry.token_type_hint),
        ['refresh_token', 'access_token'],
      );
      assert.equal(fs.existsSync(file), false, 'the store entry is gone');
      assert.equal(runtime._redNodes.getCredentials('conn').refreshToken, '');
      assert.equal((await askFailure()).error.code, 'ERR_AUTH');
    });

    it('test: reports ok, status and time; a wrong secret reports ERR_AUTH without the secret', async () => {
      await load(flow(), credentials());
      const ok = (await (
        await fetch(adminUrl('/rest-connection/conn/test'), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ path: '/data' }),
        })
      ).json()) as TestAnswer;
      assert.equal(ok.ok, true);
      assert.equal(ok.statusCode, 200);
      assert.equal(typeof ok.timeMs, 'number');

      await helper.unload();
      fs.rmSync(path.join(userDir, 'rest-connection-tokens'), { recursive: true, force: true });
      await load(flow(), credentials({ clientSecret: 'wrong-client-secret-value' }));
      const answer = await (await fetch(adminUrl('/rest-connection/conn/test'), { method: 'POST' })).text();
      seen.push(answer);
      const failed = JSON.parse(answer) as TestAnswer;
      assert.equal(failed.ok, false);
      assert.equal(failed.error?.code, 'ERR_AUTH');
      assertNoSecret(answer, ['wrong-client-secret-value'], { users: [auth.clientId] });
      const unknown = await fetch(adminUrl('/rest-connection/nope/test'), { method: 'POST' });
      assert.equal(unknown.status, 404);
    });

    it('discover: answers the endpoints of a discovery document; a bad URL is a clear error', async () => {
      await load(flow(), credentials());
      const found = (await (
        await fetch(adminUrl(`/rest-connection/discover?url=${encodeURIComponent(auth.url)}`))
      ).json()) as unknown;
      assert.deepEqual(found, {
        token_endpoint: auth.tokenUrl,
        authorization_endpoint: auth.authorizeUrl,
        revocation_endpoint: auth.revokeUrl,
        issuer: auth.url,
      });
      const bad = await fetch(adminUrl('/rest-connection/discover?url=not-a-url'));
      assert.equal(bad.status, 502);
      assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'ERR_CONFIG');
    });
  });

  describe('forgetStoredTokens (for a removed connection)', () => {
    const settings = (extra: object = {}) => redWith({ userDir, credentialSecret: CREDENTIAL_SECRET, ...extra });
    const directory = () => path.join(userDir, 'rest-connection-tokens');

    it("deletes that connection's store file only, after the writes queued before it", async () => {
      const store = (id: string) => new DurableTokenStore({ directory: directory(), secret: CREDENTIAL_SECRET }, id);
      const tokens = { refreshToken: 'stored-refresh-token', configurationHash: 'h', savedAt: Date.now() };
      await store('other-connection').save(tokens);
      const lateWrite = store('removed-connection').save(tokens); // a closing connection still writing
      await forgetStoredTokens(settings(), 'removed-connection');
      await lateWrite;
      assert.equal(fs.existsSync(path.join(directory(), 'removed-connection.json')), false);
      assert.ok(fs.existsSync(path.join(directory(), 'other-connection.json')), 'other connections keep theirs');
      await forgetStoredTokens(settings(), 'removed-connection'); // no file: nothing to do
    });

    it('is a no-op without a store (no user directory, or credential encryption off)', async () => {
      await forgetStoredTokens(redWith({}), 'conn');
      await forgetStoredTokens(settings({ credentialSecret: false }), 'other-connection');
      assert.ok(fs.existsSync(path.join(directory(), 'other-connection.json')));
    });
  });

  describe('secrets scan', () => {
    it('no secret or token appears in any log line, status, message or admin answer above', () => {
      const secrets = [
        auth.clientSecret,
        'wrong-client-secret-value',
        'long-revoked-refresh-token',
        'deployed-flow-refresh-token',
        'flow-refresh-token-to-revoke',
        'deployed-flow-refresh-token-2',
        ...issued,
      ];
      const text = seen.join('\n');
      assert.ok(seen.length > 20 && issued.length > 10, 'something was captured');
      assertNoSecret(text, secrets, { users: [auth.clientId] });
    });
  });
});
