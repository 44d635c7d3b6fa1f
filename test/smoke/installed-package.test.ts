/**
 * Smoke test of the package as users install it: the packed tarball `npm install`ed into a fresh user dir
 * of a real Node-RED process, a flow deployed through the admin API as the editor does, Node-RED restarted
 * (so the credentials come back from flows_cred.json), and the answers of the flow's HTTP endpoints checked.
 *
 *   NODE_BIN          Node.js binary that runs Node-RED and npm (default: the one running the tests)
 *   NODE_RED_VERSION  node-red version installed from npm for the run (default: the project's own, 4.1)
 *
 * `npm test` runs it with the defaults; .ci/run runs `npm run test:smoke` again on Node-RED 5 / Node.js 22.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startNodeRed, type NodeRedProcess } from './node-red-process';
import { installNodeRed, installTarball, packProject, projectNodeRed, projectPackage } from './packed-install';
import { API_USER, STATS, USERS, startSmokeApi, type SmokeApi } from './smoke-api';
import { ENDPOINTS, smokeFlow } from './smoke-flow';

const NODE_BIN = process.env.NODE_BIN || process.execPath;
const NODE_RED_VERSION = process.env.NODE_RED_VERSION || undefined;
const nodeVersion = execFileSync(NODE_BIN, ['-p', 'process.version'], { encoding: 'utf8' }).trim();
const MODULE = projectPackage.name;

/** Every form a secret could leak in: plain, base64, URL-encoded. */
const leakedForms = (secret: string) => [
  secret,
  Buffer.from(secret).toString('base64'),
  encodeURIComponent(secret),
  Buffer.from(`${API_USER.username}:${secret}`).toString('base64'),
];

describe(`smoke: the packed package in Node-RED ${NODE_RED_VERSION ?? '(project)'} on Node.js ${nodeVersion}`, function () {
  this.timeout(30000);
  let workDir: string;
  let userDir: string;
  let redJs: string;
  let api: SmokeApi;
  let nodeRed: NodeRedProcess | undefined;
  let savedFlows: string;
  let savedCredentials: string;

  const admin = async (route: string, init: RequestInit = {}) => {
    assert.ok(nodeRed, 'Node-RED is running');
    const response = await fetch(new URL(route, nodeRed.url), {
      ...init,
      headers: {
        accept: 'application/json',
        'content-type': 'application/json',
        'Node-RED-API-Version': 'v2',
        ...(init.headers as Record<string, string>),
      },
    });
    assert.equal(response.status, 200, `${init.method ?? 'GET'} ${route}: ${await response.clone().text()}`);
    return (await response.json()) as unknown;
  };

  /** A GET of the editor's (admin) routes that must succeed. */
  const served = async (route: string, accept: string) => {
    assert.ok(nodeRed, 'Node-RED is running');
    const response = await fetch(new URL(route, nodeRed.url), { headers: { accept } });
    assert.equal(response.status, 200, `GET ${route}`);
    return response;
  };

  /** What a browser gets from one of the flow's endpoints. */
  const endpoint = async (route: string) => {
    assert.ok(nodeRed, 'Node-RED is running');
    const response = await fetch(new URL(route.slice(1), nodeRed.url));
    const text = await response.text();
    assert.equal(response.status, 200, `GET ${route}: ${text}\nNode-RED log:\n${nodeRed.log()}`);
    return JSON.parse(text) as unknown;
  };

  before(async function () {
    this.timeout(300000);
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rest-smoke-'));
    userDir = path.join(workDir, 'user');
    const runtimeDir = path.join(workDir, 'runtime');
    fs.mkdirSync(userDir);
    fs.mkdirSync(runtimeDir);
    const tarball = await packProject(NODE_BIN, workDir);
    [redJs] = await Promise.all([
      NODE_RED_VERSION ? installNodeRed(NODE_BIN, NODE_RED_VERSION, runtimeDir) : projectNodeRed(),
      installTarball(NODE_BIN, tarball, userDir),
    ]);
    api = await startSmokeApi();

    nodeRed = await startNodeRed(NODE_BIN, redJs, userDir);
    await admin('flows', {
      method: 'POST',
      headers: { 'Node-RED-Deployment-Type': 'full' },
      body: JSON.stringify({ flows: smokeFlow(api.url) }),
    });
    savedFlows = fs.readFileSync(path.join(userDir, 'flows.json'), 'utf8');
    savedCredentials = fs.readFileSync(path.join(userDir, 'flows_cred.json'), 'utf8');
    // A restart: from here on the connection's credentials are those decrypted from flows_cred.json.
    await nodeRed.stop();
    nodeRed = undefined;
    nodeRed = await startNodeRed(NODE_BIN, redJs, userDir);
  });

  after(async function () {
    // Deleting an installed Node-RED (some 10,000 files) takes a while on a busy machine.
    this.timeout(120000);
    await nodeRed?.stop();
    await api?.close();
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  });

  it('runs the requested Node-RED on the requested Node.js, with the packed version installed', async () => {
    const report = (await admin('diagnostics')) as {
      nodejs: { version: string };
      runtime: { version: string; modules: Record<string, string> };
    };
    assert.equal(report.nodejs.version, nodeVersion);
    const launched = (
      JSON.parse(fs.readFileSync(path.join(path.dirname(redJs), 'package.json'), 'utf8')) as { version: string }
    ).version;
    const expected = NODE_RED_VERSION ?? launched;
    // Node-RED appends "-git" when it runs from inside a git checkout (the project's own node_modules).
    const running = report.runtime.version.replace(/-git$/, '');
    assert.ok(running === expected || running.startsWith(`${expected}.`), `Node-RED ${running} is ${expected}`);
    assert.equal(report.runtime.modules[MODULE], projectPackage.version);
    assert.ok(
      fs.existsSync(path.join(userDir, 'node_modules', ...MODULE.split('/'), 'package.json')),
      'installed from the tarball',
    );
  });

  it('lists the three node types of the package, loaded without error', async () => {
    const nodeSets = (await admin('nodes')) as { module: string; types: string[]; enabled: boolean; err?: string }[];
    const ours = nodeSets.filter((set) => set.module === MODULE);
    assert.deepEqual(
      ours.flatMap((set) => set.types).sort(),
      ['execute-rest-grid', 'execute-rest-scalar', 'rest-connection'],
      JSON.stringify(ours),
    );
    for (const set of ours) {
      assert.equal(set.err, undefined, `${set.types.join(', ')} loaded`);
      assert.equal(set.enabled, true);
    }
  });

  it('lists its example flows under Import > Examples', async () => {
    const examples = await admin(`library/examples/flows/${MODULE}`);
    const listed = (examples as (string | { fn: string })[]).map((entry) =>
      typeof entry === 'string' ? entry : entry.fn,
    );
    const shipped = fs
      .readdirSync(path.join(__dirname, '..', '..', 'examples'))
      .filter((file) => file.endsWith('.json'))
      .map((file) => file.replace(/\.json$/, ''));
    assert.deepEqual(listed.sort(), shipped.sort());
  });

  it('serves its editor: the three node definitions, the scripts they load and the palette icons', async () => {
    const editorHtml = await (await served('nodes', 'text/html')).text();
    const ours = editorHtml
      .split(/(?=<!-- --- \[red-module:)/)
      .filter((part) => part.includes(`[red-module:${MODULE}/`));
    assert.ok(ours.length > 0, `the editor HTML has ${MODULE}'s node sets`);
    const scripts = [...ours.join('').matchAll(/<script[^>]+src="([^"]+)"/g)].map((match) => match[1] ?? '');
    let editorCode = ours.join('');
    for (const src of new Set(scripts)) editorCode += await (await served(src, '*/*')).text();
    for (const type of ['rest-connection', 'execute-rest-grid', 'execute-rest-scalar']) {
      // Grid and scalar register through the query editor they share (nodes/shared/query-editor.js).
      assert.match(
        editorCode,
        new RegExp(`(?:registerType|registerQueryNode)\\(\\s*["']${type}["']`),
        `the editor defines ${type}`,
      );
      assert.match(editorCode, new RegExp(`data-template-name="${type}"`), `the editor has the form of ${type}`);
    }

    const icons = ((await (await served('icons', 'application/json')).json()) as Record<string, string[]>)[MODULE];
    assert.ok(icons && icons.length >= 3, `palette icons of ${MODULE}: ${JSON.stringify(icons)}`);
    for (const icon of icons) {
      const response = await served(`icons/${MODULE}/${icon}`, 'image/*');
      assert.match(response.headers.get('content-type') ?? '', /^image\//, icon);
    }
  });

  it("answers the editor's Test connection button through its admin route", async () => {
    const result = (await admin('rest-connection/smoke-connection/test', {
      method: 'POST',
      body: JSON.stringify({ path: '/stats' }),
    })) as { ok: boolean; statusCode: number };
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.equal(result.statusCode, 200);
  });

  it('keeps the connection credentials encrypted in flows_cred.json and out of flows.json', () => {
    const stored = JSON.parse(savedCredentials) as Record<string, unknown>;
    assert.deepEqual(Object.keys(stored), ['$'], 'flows_cred.json is one encrypted blob');
    for (const form of leakedForms(API_USER.password)) {
      assert.ok(!savedCredentials.includes(form), `no ${form} in flows_cred.json`);
      assert.ok(!savedFlows.includes(form), `no ${form} in flows.json`);
    }
    assert.ok(!savedCredentials.includes(API_USER.username), 'the user name is encrypted too');
  });

  it('grid with split: a join rebuilds the rows from their msg.parts', async () => {
    const { rows } = (await endpoint(ENDPOINTS.users)) as { rows: unknown };
    assert.deepEqual(
      rows,
      USERS.map(({ id, name }) => ({ id, name })),
    );
    assert.equal(api.unauthorized, 0, 'every request carried the decrypted credentials');
  });

  it('scalar: the value converted to a number', async () => {
    assert.deepEqual(await endpoint(ENDPOINTS.total), { value: Number(STATS.total), type: 'number' });
  });

  it('a 404 reaches the catch node with ERR_HTTP_STATUS', async () => {
    assert.deepEqual(await endpoint(ENDPOINTS.missing), {
      code: 'ERR_HTTP_STATUS',
      statusCode: 404,
      source: 'execute-rest-scalar',
    });
  });

  it('Node-RED logged no error and no secret', () => {
    assert.ok(nodeRed);
    const log = nodeRed.log();
    assert.doesNotMatch(log, /\[error\]/, log);
    for (const form of leakedForms(API_USER.password)) assert.ok(!log.includes(form), `no ${form} in the log`);
  });
});
