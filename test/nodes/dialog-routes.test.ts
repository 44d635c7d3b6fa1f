/**
 * The edit dialogs' admin routes, before deploy: `POST /rest-connection/test` with the
 * dialog's unsaved settings (typed secrets, or the deployed node's where the dialog sent
 * "__PWRD__"), and `POST /rest-connection/preview` of a grid or scalar node's request. Against a
 * real loopback API, a real OAuth2 server and Node-RED (node-red-node-test-helper); the
 * permission check against a Node-RED with adminAuth.
 */
import assert from 'node:assert/strict';
import bcrypt from 'bcryptjs';
import type { PreviewAnswer } from '../../nodes/rest-connection/dialog-preview';
import { adminToken, installPackage, startEditorServer } from '../support/editor/node-red-editor';
import { gridColumns } from '../support/grid-columns';
import { json, startApi, startServer, type LoopbackServer, type ReceivedRequest } from '../support/loopback-server';
import { flowWith, helper, load, nextMessage, rowsOf, useNodeRed, type Msg } from '../support/node-red';
import { startAuthServer, type AuthServer } from '../support/oauth2-server';
import { createPeerDir, removePeerDir } from '../support/peers/peer-dir';
import { assertNoSecret } from '../support/secret-scan';

const PASSWORD = 'pw-dialog-5e1c9a7b/+=&?';
const TOKEN = 'static-bearer-token-8d2f41c6';
const API_KEY = 'api-key-value-3b7e90aa';
const USERS = Array.from({ length: 55 }, (_, i) => ({
  id: i + 1,
  name: `User ${i + 1}`,
  address: { city: ['London', 'Paris', 'Berlin'][i % 3] },
}));

interface TestAnswer {
  ok: boolean;
  statusCode?: number;
  timeMs: number;
  code?: string;
  message?: string;
  token?: { expiresAt?: string; expiresIn?: number; scopes: string[] };
}

/** Whether the request carries one of the credentials this API accepts. */
function authorized(received: ReceivedRequest, oauthTokens: () => string[]): boolean {
  const header = received.headers.authorization ?? '';
  if (header === `Basic ${Buffer.from(`alice:${PASSWORD}`).toString('base64')}`) return true;
  if (header === `Bearer ${TOKEN}`) return true;
  if (received.headers['x-api-key'] === API_KEY) return true;
  return header.startsWith('Bearer ') && oauthTokens().includes(header.slice('Bearer '.length));
}

describe('edit dialog routes: test and preview before deploy', function () {
  this.timeout(20000);
  useNodeRed();
  let api: LoopbackServer;
  let other: LoopbackServer;
  let auth: AuthServer;
  const oauthTokens = () => auth.ledger.tokenRequests.map((entry) => entry.accessToken ?? '');

  before(async () => {
    auth = await startAuthServer();
    other = await startApi({ '/v1/users': { data: { items: [{ id: 999 }] } } });
    api = await startServer({
      handler: (_req, res, received) => {
        const path = received.path;
        if (path === '/v1') return json(res, 200, { service: 'open to everybody' });
        if (!authorized(received, oauthTokens)) return json(res, 401, { error: 'unauthorized' });
        if (path === '/v1/me') return json(res, 200, { user: 'alice' });
        if (path === '/v1/users') {
          const page = Number(received.query.page ?? 1);
          const size = Number(received.query.limit ?? 25);
          const items = USERS.slice((page - 1) * size, page * size);
          return json(res, 200, { data: { items }, page });
        }
        if (path === '/v1/linked') {
          return json(res, 200, { data: { items: USERS.slice(0, 2) }, next: `${other.url}/v1/users` });
        }
        const user = /^\/v1\/users\/(\d+)$/.exec(path);
        if (user) return json(res, 200, USERS[Number(user[1]) - 1] ?? null);
        if (path === '/v1/big') {
          const big = Array.from({ length: 3000 }, (_, i) => ({ id: i, text: `row ${i} `.repeat(20) }));
          return json(res, 200, { data: { items: big } });
        }
        if (path === '/v1/count') return json(res, 200, { data: { count: 42, label: 'answer' } });
        if (path === '/v1/echo') {
          // The credentials sent, echoed back as an API might: raw, base64 and URL-encoded.
          const sent = received.headers.authorization ?? '';
          const secret = sent.replace(/^Bearer /, '');
          const forms = [secret, Buffer.from(secret).toString('base64'), encodeURIComponent(secret)];
          return json(res, 200, { seen: forms, items: [{ token: secret }] }, { 'x-echo': encodeURIComponent(secret) });
        }
        json(res, 404, { error: 'not found' });
      },
    });
  });
  after(async () => {
    await Promise.all([api.close(), other.close(), auth.stop()]);
  });

  const post = async (route: string, body: unknown): Promise<{ status: number; body: unknown }> => {
    const answer = await helper.request().post(route).send(body);
    return { status: answer.status, body: answer.body };
  };
  const testConnection = async (body: unknown): Promise<TestAnswer> => {
    const answer = await post('/rest-connection/test', body);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body as TestAnswer;
  };
  const preview = async (body: unknown): Promise<PreviewAnswer> => {
    const answer = await post('/rest-connection/preview', body);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body as PreviewAnswer;
  };
  const basic = (more: object = {}) => ({ baseUrl: `${api.url}/v1`, authType: 'basic', testPath: '/me', ...more });
  /** Sockets the API still has open, once the closed ones have gone (closing takes a moment). */
  const openSocketsSettled = async () => {
    for (let tries = 0; tries < 20 && api.openSockets() > 0; tries++) await new Promise((r) => setTimeout(r, 50));
    return api.openSockets();
  };

  describe('POST /rest-connection/test', () => {
    beforeEach(() => load([{ id: 'tab', type: 'tab', label: 'empty' }]));

    it('a new (undeployed) connection with the right password: ok, the status and the time, no socket left open', async () => {
      const answer = await testConnection({
        id: 'new1',
        config: basic(),
        credentials: { username: 'alice', password: PASSWORD },
      });
      assert.equal(answer.ok, true, JSON.stringify(answer));
      assert.equal(answer.statusCode, 200);
      assert.equal(typeof answer.timeMs, 'number');
      assert.equal(api.requests.at(-1)?.path, '/v1/me', 'testPath was requested');
      assert.equal(await openSocketsSettled(), 0, 'the dialog client was closed');
      assertNoSecret(answer, [PASSWORD], { users: ['alice'] });
    });

    it('a wrong password is a failed test that names the 401, although the base URL is open', async () => {
      const answer = await testConnection({
        config: basic(),
        credentials: { username: 'alice', password: 'wrong-password-1' },
      });
      assert.equal(answer.ok, false);
      assert.equal(answer.statusCode, 401);
      assert.equal(answer.code, 'ERR_AUTH');
      assert.match(answer.message ?? '', /refused the credentials: HTTP 401 Unauthorized for the test path \/me/);
      assertNoSecret(answer, ['wrong-password-1'], { users: ['alice'] });
      const open = await testConnection({
        config: basic({ testPath: '' }),
        credentials: { username: 'alice', password: 'x' },
      });
      assert.equal(open.ok, true, 'without testPath only the open base URL is requested');
      assert.equal(api.requests.at(-1)?.path, '/v1');
    });

    it('bearer token and API key typed in the dialog; a wrong key is a failed 401', async () => {
      const bearer = await testConnection({
        config: { baseUrl: `${api.url}/v1`, authType: 'bearer', testPath: '/me' },
        credentials: { token: TOKEN },
      });
      assert.equal(bearer.ok, true, JSON.stringify(bearer));
      const key = await testConnection({
        config: { baseUrl: `${api.url}/v1`, authType: 'apiKey', apiKeyName: 'X-API-Key', testPath: '/me' },
        credentials: { apiKey: API_KEY },
      });
      assert.equal(key.ok, true, JSON.stringify(key));
      const wrongKey = await testConnection({
        config: { baseUrl: `${api.url}/v1`, authType: 'apiKey', testPath: '/me' },
        credentials: { apiKey: 'not-the-key-123' },
      });
      assert.deepEqual([wrongKey.ok, wrongKey.statusCode, wrongKey.code], [false, 401, 'ERR_AUTH']);
      assertNoSecret([bearer, key, wrongKey], [TOKEN, API_KEY, 'not-the-key-123']);
    });

    it('OAuth2 client credentials: fetches a token and shows its expiry and scopes', async () => {
      const before = auth.count('client_credentials');
      const started = Date.now();
      const answer = await testConnection({
        config: {
          baseUrl: `${api.url}/v1`,
          authType: 'oauth2',
          tokenUrl: auth.tokenUrl,
          scope: 'read write',
          testPath: '/me',
        },
        credentials: { clientId: 'test-client', clientSecret: 'client-secret-value-123' },
      });
      assert.equal(answer.ok, true, JSON.stringify(answer));
      assert.equal(auth.count('client_credentials'), before + 1, 'one token request');
      assert.ok(answer.token, 'token details');
      assert.deepEqual(answer.token.scopes, ['read', 'write']);
      const expiresAt = Date.parse(answer.token.expiresAt ?? '');
      assert.ok(expiresAt >= started + 3590_000 && expiresAt <= Date.now() + 3600_000, answer.token.expiresAt);
      assert.ok((answer.token.expiresIn ?? 0) > 3500 && (answer.token.expiresIn ?? 0) <= 3600);
      assertNoSecret(answer, ['client-secret-value-123', ...oauthTokens().filter(Boolean)]);
    });

    it('OAuth2 with a wrong client secret is a failed test (ERR_AUTH), no secret shown', async () => {
      const answer = await testConnection({
        config: { baseUrl: `${api.url}/v1`, authType: 'oauth2', tokenUrl: auth.tokenUrl, testPath: '/me' },
        credentials: { clientId: 'test-client', clientSecret: 'wrong-client-secret-9' },
      });
      assert.equal(answer.ok, false);
      assert.equal(answer.code, 'ERR_AUTH');
      assertNoSecret(answer, ['wrong-client-secret-9'], { users: ['test-client'] });
    });

    it('settings that cannot work are a failed test with ERR_CONFIG, not a crash', async () => {
      const answer = await testConnection({ config: { baseUrl: 'ftp://nowhere', authType: 'none' } });
      assert.deepEqual([answer.ok, answer.code], [false, 'ERR_CONFIG']);
      const noTokenUrl = await testConnection({
        config: { baseUrl: api.url, authType: 'oauth2' },
        credentials: { clientId: 'x' },
      });
      assert.deepEqual([noTokenUrl.ok, noTokenUrl.code], [false, 'ERR_CONFIG']);
    });
  });

  describe('secrets the dialog left unchanged ("__PWRD__") come from the deployed node', () => {
    beforeEach(() =>
      load(flowWith({ connection: basic({ name: 'deployed' }) }), {
        restConn: { username: 'alice', password: PASSWORD },
      }),
    );

    it('the deployed password is used for unchanged and for changed settings, a typed one replaces it', async () => {
      const unchanged = await testConnection({
        id: 'restConn',
        config: basic({ name: 'deployed' }),
        credentials: { username: 'alice', password: '__PWRD__' },
      });
      assert.equal(unchanged.ok, true, JSON.stringify(unchanged));
      const changed = await testConnection({
        id: 'restConn',
        config: basic({ name: 'renamed', timeout: 5000 }),
        credentials: { username: 'alice', password: '__PWRD__' },
      });
      assert.equal(changed.ok, true, 'changed settings, the deployed password');
      const typed = await testConnection({
        id: 'restConn',
        config: basic(),
        credentials: { username: 'alice', password: 'typed-wrong-pw' },
      });
      assert.deepEqual([typed.ok, typed.statusCode], [false, 401]);
      const otherId = await testConnection({
        id: 'someOtherNode',
        config: basic(),
        credentials: { username: 'alice', password: '__PWRD__' },
      });
      assert.deepEqual([otherId.ok, otherId.statusCode], [false, 401], 'no deployed node, no password');
      assertNoSecret([unchanged, changed, typed, otherId], [PASSWORD, 'typed-wrong-pw'], { users: ['alice'] });
    });

    it('POST /rest-connection/:id/test requests the deployed testPath and answers the contract shape', async () => {
      const answer = (await post('/rest-connection/restConn/test', {})).body as TestAnswer;
      assert.equal(answer.ok, true, JSON.stringify(answer));
      assert.equal(api.requests.at(-1)?.path, '/v1/me');
    });
  });

  describe('POST /rest-connection/preview', () => {
    const dialogConnection = () => ({
      id: 'dialogConn',
      config: basic(),
      credentials: { username: 'alice', password: PASSWORD },
    });
    let connection: ReturnType<typeof dialogConnection>;
    before(() => {
      connection = dialogConnection();
    });
    const grid = (more: object = {}) => ({
      type: 'execute-rest-grid',
      method: 'GET',
      path: '/users',
      rowsPath: '$.data.items',
      columns: gridColumns({ name: '$.name', city: '$.address.city' }),
      format: 'objects',
      paging: 'page',
      pageParam: 'page',
      pageSizeParam: 'limit',
      pageSize: 25,
      maxPages: 100,
      ...more,
    });
    beforeEach(() => load([{ id: 'tab', type: 'tab', label: 'empty' }]));

    it('grid: the first 20 rows after rowsPath and columns, 2 pages at most and it says so, the body for the tree', async () => {
      const answer = await preview({ node: grid(), connection });
      assert.equal(answer.error, undefined, JSON.stringify(answer.error));
      assert.equal(answer.statusCode, 200);
      assert.equal(answer.pages, 2);
      assert.equal(answer.morePages, true, 'a third page exists');
      assert.equal(answer.rowCount, 50);
      assert.equal(answer.rows?.length, 20);
      assert.deepEqual(answer.rows?.[0], { name: 'User 1', city: 'London' });
      const body = answer.body as { data: { items: unknown[] }; page: number };
      assert.equal(body.page, 1, 'the first page');
      assert.equal(body.data.items.length, 25);
      assert.deepEqual(
        api.requests.filter((r) => r.path === '/v1/users').map((r) => r.query.page),
        ['1', '2'],
        'no third page was requested',
      );
      assert.equal(await openSocketsSettled(), 0, 'the dialog client was closed');
    });

    it('grid: format arrays gives arrays in column order and the column names; one page when it is all', async () => {
      const answer = await preview({ node: grid({ format: 'arrays', pageSize: 100 }), connection });
      assert.deepEqual(answer.columns, ['name', 'city']);
      assert.deepEqual(answer.rows?.[1], ['User 2', 'Paris']);
      assert.equal(answer.pages, 1);
      assert.equal(answer.morePages, false);
    });

    it('grid: the rows are exactly the first 20 the deployed node outputs', async () => {
      const settings = grid({ maxPages: 2 });
      const nodeSettings: Record<string, unknown> = { ...settings };
      delete nodeSettings.type;
      await helper.unload();
      await load(flowWith({ connection: basic(), node: nodeSettings }), {
        restConn: { username: 'alice', password: PASSWORD },
      });
      const output = nextMessage('out');
      helper.getNode('restNode').receive({ payload: 'go' });
      const fromNode = rowsOf(await output);
      const answer = await preview({ node: settings, connection: { id: 'restConn' } });
      assert.deepEqual(answer.rows, fromNode.slice(0, 20));
      assert.equal(answer.rowCount, fromNode.length);
    });

    it('scalar: the value and its type, after valuePath and valueType; a sample msg fills the path', async () => {
      const scalar = (more: object) => ({
        type: 'execute-rest-scalar',
        method: 'GET',
        path: '/count',
        valuePath: '$.data.count',
        ...more,
      });
      const number = await preview({ node: scalar({}), connection });
      assert.deepEqual([number.value, number.valueType], [42, 'number']);
      assert.deepEqual(number.body, { data: { count: 42, label: 'answer' } });
      const text = await preview({ node: scalar({ valueType: 'string' }), connection });
      assert.deepEqual([text.value, text.valueType], ['42', 'string']);
      const fromMsg = await preview({
        node: scalar({ path: '/users/{{payload.id}}', valuePath: '$.address.city' }),
        connection,
        msg: { payload: { id: 2 } },
      });
      assert.deepEqual([fromMsg.value, fromMsg.valueType], ['Paris', 'string']);
      const missing = await preview({ node: scalar({ valuePath: '$.data.nothing' }), connection });
      assert.equal(missing.error?.code, 'ERR_VALUE');
      assert.deepEqual(
        missing.body,
        { data: { count: 42, label: 'answer' } },
        'the body is shown to pick another path',
      );
    });

    it('a request failure is the error of the answer with the status; a bad JSONPath is ERR_JSONPATH', async () => {
      const wrong = await preview({
        node: grid(),
        connection: { config: basic(), credentials: { username: 'alice', password: 'nope-nope' } },
      });
      assert.deepEqual([wrong.error?.code, wrong.statusCode], ['ERR_HTTP_STATUS', 401]);
      const badPath = await preview({ node: grid({ rowsPath: '$.[?(' }), connection });
      assert.equal(badPath.error?.code, 'ERR_JSONPATH');
    });

    it('cuts a body over 64 KB for the tree (lists shortened, structure kept) but not the rows', async () => {
      const answer = await preview({
        node: { type: 'execute-rest-grid', method: 'GET', path: '/big', rowsPath: '$.data.items' },
        connection,
      });
      assert.equal(answer.error, undefined, JSON.stringify(answer.error));
      assert.equal(answer.bodyTruncated, true);
      assert.ok(Buffer.byteLength(JSON.stringify(answer.body)) <= 64 * 1024);
      const items = (answer.body as { data: { items: { id: number }[] } }).data.items;
      assert.ok(items.length >= 2 && items.length < 3000, `${items.length} items kept`);
      assert.equal(items[0]!.id, 0);
      assert.equal(answer.rowCount, 3000, 'the rows are counted from the whole response');
      assert.equal(answer.rows?.length, 20);
    });

    it('masks the secrets in the body, headers and rows (plain, base64, URL-encoded)', async () => {
      const answer = await preview({
        node: { type: 'execute-rest-grid', method: 'GET', path: '/echo', rowsPath: '$.items' },
        connection: { config: { baseUrl: `${api.url}/v1`, authType: 'bearer' }, credentials: { token: TOKEN } },
      });
      assert.equal(answer.error, undefined, JSON.stringify(answer.error));
      assert.equal(answer.rows?.length, 1);
      assert.ok(JSON.stringify(answer).includes('***'), 'the echoed token is shown masked');
      assertNoSecret(answer, [TOKEN]);
    });

    it('keeps the origin rule: a next link to another origin fails with ERR_ORIGIN and sends it nothing', async () => {
      const answer = await preview({
        node: {
          type: 'execute-rest-grid',
          method: 'GET',
          path: '/linked',
          rowsPath: '$.data.items',
          paging: 'nextUrl',
          nextPath: '$.next',
        },
        connection,
      });
      assert.equal(answer.error?.code, 'ERR_ORIGIN');
      assert.equal(other.requests.length, 0);
    });

    it('bad input is a 400 with a code, never a crash', async () => {
      const cases: [string, unknown][] = [
        ['/rest-connection/preview', { node: { type: 'debug' }, connection }],
        ['/rest-connection/preview', { node: grid(), connection: {} }],
        ['/rest-connection/preview', { node: grid(), connection, msg: 'not an object' }],
        ['/rest-connection/preview', { node: 'grid', connection }],
        ['/rest-connection/test', { config: [] }],
        ['/rest-connection/test', { config: basic(), credentials: { password: 42 } }],
        ['/rest-connection/test', {}],
      ];
      for (const [route, body] of cases) {
        const answer = await post(route, body);
        assert.equal(answer.status, 400, `${route} ${JSON.stringify(body)}`);
        assert.equal((answer.body as { error: { code: string } }).error.code, 'ERR_CONFIG');
      }
      const badJson = await helper
        .request()
        .post('/rest-connection/test')
        .set('content-type', 'application/json')
        .send(`{"config": {"baseUrl": "x"}, "credentials": {"password": "${PASSWORD}"`);
      assert.equal(badJson.status, 400);
      assert.equal((badJson.body as unknown as { error: { code: string } }).error.code, 'ERR_CONFIG');
      assertNoSecret(badJson.text, [PASSWORD]);
    });
  });
});

describe('edit dialog routes: admin permission', function () {
  this.timeout(30000);
  let userDir: string;
  let server: Awaited<ReturnType<typeof startEditorServer>> | undefined;
  let api: LoopbackServer | undefined;
  const tokens: Record<string, string> = {};

  before(async () => {
    api = await startApi({ 'GET /ping': { ok: true } });
    userDir = createPeerDir('dialog-routes-auth');
    installPackage(userDir);
    const hash = bcrypt.hashSync('dialog-admin-pw', 8);
    server = await startEditorServer(userDir, {
      adminAuth: {
        type: 'credentials',
        users: [
          { username: 'deployer', password: hash, permissions: ['flows.write', 'flows.read'] },
          { username: 'viewer', password: hash, permissions: 'read' },
        ],
      },
    });
    for (const username of ['deployer', 'viewer']) {
      tokens[username] = await adminToken(server, username, 'dialog-admin-pw');
    }
  });
  after(async () => {
    if (server) await server.stop();
    if (api) await api.close();
    removePeerDir(userDir);
  });

  const call = (route: string, body: object, token?: string) =>
    fetch(new URL(route, server!.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });

  it('refuses a read-only user and an anonymous caller, and sends nothing; a user with flows.write may', async () => {
    const testBody = { config: { baseUrl: api!.url, testPath: '/ping' } };
    const previewBody = {
      node: { type: 'execute-rest-scalar', path: '/ping' },
      connection: { config: { baseUrl: api!.url } },
    };
    for (const [route, body] of [
      ['rest-connection/test', testBody],
      ['rest-connection/preview', previewBody],
    ] as const) {
      assert.equal((await call(route, body, tokens.viewer)).status, 401, `${route} as viewer`);
      assert.equal((await call(route, body)).status, 401, `${route} anonymous`);
    }
    assert.equal(api!.requests.length, 0, 'nothing was sent');
    const allowed = await call('rest-connection/test', testBody, tokens.deployer);
    assert.equal(allowed.status, 200);
    assert.equal(((await allowed.json()) as Msg).ok, true);
    const previewed = await call('rest-connection/preview', previewBody, tokens.deployer);
    assert.deepEqual(((await previewed.json()) as Msg).value, { ok: true });
  });
});
