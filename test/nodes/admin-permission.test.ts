/**
 * The admin routes sit behind Node-RED's admin authentication: a real Node-RED with
 * adminAuth users; a token of a user with `flows.write` (or `rest-connection.write`) may use
 * them, a read-only user and an anonymous caller may not.
 */
import assert from 'node:assert/strict';
import bcrypt from 'bcryptjs';
import { adminToken, installPackage, startEditorServer } from '../support/editor/node-red-editor';
import { startApi, type LoopbackServer } from '../support/loopback-server';
import { createPeerDir, removePeerDir } from '../support/peers/peer-dir';

const PASSWORD = 'admin-test-password';
type User = 'deployer' | 'connector' | 'viewer' | 'admin';
type NodeRed = Awaited<ReturnType<typeof startEditorServer>>;

describe('admin routes and Node-RED admin authentication', function () {
  this.timeout(30000);
  let userDir: string;
  let server: NodeRed | undefined;
  let api: LoopbackServer | undefined;
  const tokens: Partial<Record<User, string>> = {};

  /** The connection test route, as `token` (or anonymous) calls it. */
  const testConnection = (token?: string) =>
    fetch(new URL('rest-connection/connA/test', server!.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ path: '/ping' }),
    });

  before(async () => {
    api = await startApi({ 'GET /ping': { ok: true } });
    userDir = createPeerDir('admin-auth');
    installPackage(userDir);
    const hash = bcrypt.hashSync(PASSWORD, 8);
    server = await startEditorServer(userDir, {
      adminAuth: {
        type: 'credentials',
        users: [
          { username: 'deployer', password: hash, permissions: ['flows.write', 'flows.read'] },
          { username: 'connector', password: hash, permissions: ['rest-connection.write', 'flows.read'] },
          { username: 'viewer', password: hash, permissions: 'read' },
          { username: 'admin', password: hash, permissions: '*' },
        ],
      },
    });
    const users: User[] = ['deployer', 'connector', 'viewer', 'admin'];
    for (const username of users) {
      tokens[username] = await adminToken(server, username, PASSWORD);
    }
    const deploy = await fetch(new URL('flows', server.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.admin}` },
      body: JSON.stringify([{ id: 'connA', type: 'rest-connection', name: 'api', baseUrl: api.url }]),
    });
    assert.equal(deploy.status, 204);
    // Deploying answers before the nodes have started: wait until the connection exists.
    for (let tries = 0; tries < 50; tries++) {
      if ((await testConnection(tokens.admin)).status !== 404) break;
      await new Promise<void>((resolve) => setTimeout(resolve, 100));
    }
  });
  after(async () => {
    if (server) await server.stop();
    if (api) await api.close();
    removePeerDir(userDir);
  });

  it('a user with flows.write may test a connection', async () => {
    const response = await testConnection(tokens.deployer);
    assert.equal(response.status, 200);
    const result = (await response.json()) as { ok: boolean; statusCode: number };
    assert.equal(result.ok, true);
    assert.equal(result.statusCode, 200);
    assert.equal(api!.requests.at(-1)?.path, '/ping');
  });

  it('a user with rest-connection.write may test a connection', async () => {
    const response = await testConnection(tokens.connector);
    assert.equal(response.status, 200);
  });

  it('a read-only user is refused', async () => {
    const before = api!.requests.length;
    const response = await testConnection(tokens.viewer);
    assert.equal(response.status, 401);
    assert.equal(api!.requests.length, before, 'nothing was sent');
  });

  it('an anonymous caller is refused on every guarded route', async () => {
    const url = server!.url;
    assert.equal((await testConnection()).status, 401);
    const discover = await fetch(new URL('rest-connection/discover?url=http://127.0.0.1:1/x', url));
    assert.equal(discover.status, 401);
    const authorize = await fetch(new URL('rest-connection/connA/authorize', url), { redirect: 'manual' });
    assert.equal(authorize.status, 401);
    const revoke = await fetch(new URL('rest-connection/connA/revoke', url), { method: 'POST' });
    assert.equal(revoke.status, 401);
  });

  it('the JSONPath check takes the same permission as the other routes', async () => {
    const check = (token?: string) =>
      fetch(new URL('rest-connection/jsonpath-check', server!.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ path: '$.data[' }),
      });
    assert.equal((await check()).status, 401, 'anonymous');
    assert.equal((await check(tokens.viewer)).status, 401, 'read-only');
    for (const user of ['deployer', 'connector'] as const) {
      const response = await check(tokens[user]);
      assert.equal(response.status, 200, user);
      assert.equal(((await response.json()) as { ok: boolean }).ok, false, `${user} gets the verdict`);
    }
  });
});
