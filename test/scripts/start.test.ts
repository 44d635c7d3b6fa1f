/**
 * `npm start` (scripts/start.js) as a user runs it, with the demo API on a port other than the
 * default: the Node-RED it starts reaches the demo API through REST_DEMO_URL (the examples are
 * deployed as stored, their connections keep `${REST_DEMO_URL:-…}`), and 04's connection gets
 * the demo credentials of every type.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { DEFAULT_PORT, DEMO_USER, startDemoApi, type RunningDemoApi } from '../support/demo-api';
import { freePort } from '../support/peers/free-port';
import { createPeerDir, removePeerDir } from '../support/peers/peer-dir';
import { DEMO_URL_REFERENCE } from '../examples/example-flows';

const START_JS = path.join(__dirname, '..', '..', 'scripts', 'start.js');

interface DeployedNode {
  id: string;
  type: string;
  baseUrl?: string;
}

describe('npm start (scripts/start.js) with the demo API on another port', function () {
  this.timeout(90000);
  let api: RunningDemoApi;
  let userDir: string;
  let child: ChildProcess | undefined;
  let nodeRed: string;
  let output = '';
  const requests: { url: string; authorization?: string }[] = [];

  before(async function () {
    // start.js finds this demo API on DEMO_API_PORT and uses it, so the test sees every request.
    api = await startDemoApi({ port: 0 });
    assert.notEqual(api.port, DEFAULT_PORT);
    api.server.on('request', (req: { url?: string; headers: Record<string, string | undefined> }) =>
      requests.push({ url: req.url ?? '', authorization: req.headers.authorization }),
    );
    userDir = createPeerDir('npm-start');
    const port = await freePort();
    nodeRed = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, [START_JS], {
      env: {
        ...process.env,
        PORT: String(port),
        DEMO_API_PORT: String(api.port),
        NPM_START_USER_DIR: userDir,
        // A stale value from the user's shell: npm start replaces it with its demo API's address.
        REST_DEMO_URL: 'http://127.0.0.1:9/stale',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('[npm start] open ')) resolve();
        if (output.includes('[npm start] problem')) reject(new Error(`npm start failed:\n${output}`));
      };
      child!.stdout!.on('data', onData);
      child!.stderr!.on('data', onData);
      child!.once('exit', (code) => reject(new Error(`npm start exited (${code}):\n${output}`)));
    });
  });

  after(async function () {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    if (userDir) removePeerDir(userDir);
    await api?.close();
  });

  async function admin<T>(route: string): Promise<T> {
    const response = await fetch(`${nodeRed}/${route}`);
    assert.equal(response.status, 200, route);
    return (await response.json()) as T;
  }

  /** The inject node's button in the editor (Node-RED's POST /inject/:id). */
  async function press(injectId: string): Promise<void> {
    const response = await fetch(`${nodeRed}/inject/${injectId}`, { method: 'POST' });
    assert.equal(response.status, 200, `inject ${injectId}`);
  }

  async function requestFor(url: string): Promise<{ url: string; authorization?: string }> {
    for (let waited = 0; waited < 10000; waited += 50) {
      const found = requests.find((request) => request.url === url);
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`the demo API never received ${url}; it received ${requests.map((r) => r.url).join(', ')}`);
  }

  it('deploys the six examples as stored: each connection keeps the REST_DEMO_URL reference', async function () {
    const flows = await admin<DeployedNode[]>('flows');
    assert.equal(flows.filter((node) => node.type === 'tab').length, 6);
    const connections = flows.filter((node) => node.type === 'rest-connection');
    assert.equal(connections.length, 6);
    for (const connection of connections) assert.equal(connection.baseUrl, DEMO_URL_REFERENCE, connection.id);
  });

  it("an example's request reaches the demo API on its port, through REST_DEMO_URL", async function () {
    await press('ex01-inject-all');
    await requestFor('/api/users');
    await press('ex06-inject-cursor');
    await requestFor('/api/paged/cursor?limit=10&cursor=MjA'); // the third page
  });

  it("04's connection has every demo credential filled in and starts without authentication (a 401)", async function () {
    const credentials = await admin<Record<string, unknown>>('credentials/rest-connection/ex04-connection');
    assert.equal(credentials.username, DEMO_USER.username);
    for (const secret of ['has_password', 'has_token', 'has_apiKey']) assert.equal(credentials[secret], true, secret);
    await press('ex04-inject');
    const request = await requestFor('/api/secure/whoami');
    assert.equal(request.authorization, undefined);
  });
});
