#!/usr/bin/env node
// `npm start`: the bundled demo API plus a development Node-RED that has this package installed
// and, on its first start, the example flows deployed (one tab each, credentials filled in).
// Node-RED runs with REST_DEMO_URL set to the demo API's address, which every example's connection
// reads (`${REST_DEMO_URL:-http://127.0.0.1:8765/api}`), so `DEMO_API_PORT=9000 npm start` moves
// them all. Everything Node-RED writes lives in .node-red-dev/ (gitignored); delete it to start afresh.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { startDemoApi, demoApiPort, DEMO_TOKEN, DEMO_USER, DEMO_API_KEY } = require('../demo-api/server');

const ROOT = path.resolve(__dirname, '..');
const PACKAGE = require(path.join(ROOT, 'package.json'));
// NPM_START_USER_DIR puts it elsewhere (test/scripts/start.test.ts uses a temporary directory).
const USER_DIR = path.resolve(process.env.NPM_START_USER_DIR || path.join(ROOT, '.node-red-dev'));
const EXAMPLES_DIR = path.join(ROOT, 'examples');
const DEMO_API_PORT = demoApiPort();
const NODE_RED_PORT = Number(process.env.PORT || 1880);
const NODE_RED_URL = `http://127.0.0.1:${NODE_RED_PORT}`;
const STARTUP_TIMEOUT_MS = 60000;

const SETTINGS_JS = `// Settings of the development Node-RED that \`npm start\` runs. Written once by
// scripts/start.js; edit freely, it is not overwritten. Delete .node-red-dev/ to start afresh.
module.exports = {
  uiHost: '127.0.0.1',
  uiPort: process.env.PORT || 1880,
  flowFile: 'flows.json',
  flowFilePretty: true,
  // A fixed secret that encrypts flows_cred.json (the demo credentials) in this development
  // directory only. It is in the source code, so it protects nothing: never use it elsewhere.
  credentialSecret: 'rest-nodes-development-only',
  editorTheme: { tours: false },
  telemetry: { enabled: false, updateNotification: false },
  logging: { console: { level: 'info', metrics: false, audit: false } },
};
`;

function log(text) {
  console.log(`[npm start] ${text}`);
}

/** Starts the demo API, or reuses one that already answers on the port (e.g. `npm run demo-api`). */
async function startOrReuseDemoApi() {
  try {
    const api = await startDemoApi({ port: DEMO_API_PORT });
    log(`demo API listening on ${api.baseUrl}`);
    return api;
  } catch (err) {
    if (err.code !== 'EADDRINUSE') throw err;
    const baseUrl = `http://127.0.0.1:${DEMO_API_PORT}/api`;
    const running = await fetch(baseUrl)
      .then((response) => response.json())
      .catch(() => undefined);
    if (running && running.name === 'demo-api') {
      log(`using the demo API that already runs on ${baseUrl}`);
      return { baseUrl, close: async () => {} };
    }
    throw new Error(`port ${DEMO_API_PORT} is taken by something else; set DEMO_API_PORT to another port`);
  }
}

/** The user directory: settings, a package.json that lists this package, and a link to it. */
function prepareUserDir() {
  fs.mkdirSync(USER_DIR, { recursive: true });
  const settingsFile = path.join(USER_DIR, 'settings.js');
  if (!fs.existsSync(settingsFile)) fs.writeFileSync(settingsFile, SETTINGS_JS);

  const packageFile = path.join(USER_DIR, 'package.json');
  const userPackage = fs.existsSync(packageFile)
    ? JSON.parse(fs.readFileSync(packageFile, 'utf8'))
    : { name: 'node-red-dev', description: 'Node-RED user directory of npm start', version: '0.0.0', private: true };
  userPackage.dependencies = { ...userPackage.dependencies, [PACKAGE.name]: `file:${path.relative(USER_DIR, ROOT)}` };
  fs.writeFileSync(packageFile, JSON.stringify(userPackage, null, 2) + '\n');

  // Node-RED loads the nodes of every package in <userDir>/node_modules; a link to the
  // project means a rebuild (npm start builds first) is all it takes to see a change.
  const link = path.join(USER_DIR, 'node_modules', ...PACKAGE.name.split('/'));
  fs.mkdirSync(path.dirname(link), { recursive: true });
  if (!linksToProject(link)) {
    fs.rmSync(link, { recursive: true, force: true });
    fs.symlinkSync(path.relative(path.dirname(link), ROOT), link, process.platform === 'win32' ? 'junction' : 'dir');
  }
}

function linksToProject(link) {
  try {
    return fs.lstatSync(link).isSymbolicLink() && fs.realpathSync(link) === fs.realpathSync(ROOT);
  } catch {
    return false;
  }
}

/**
 * The demo credentials of every authentication type the demo API knows, for the connections whose
 * nodes call its /secure endpoints: the user of "04 - Authentication" then only chooses the type.
 */
const DEMO_CREDENTIALS = {
  token: DEMO_TOKEN,
  username: DEMO_USER.username,
  password: DEMO_USER.password,
  apiKey: DEMO_API_KEY,
};

function securedConnections(nodes) {
  return new Set(
    nodes
      .filter((node) => typeof node.path === 'string' && node.path.startsWith('/secure/'))
      .map((node) => node.connection),
  );
}

/** All examples, each on its own tab (its connections scoped to it); REST_DEMO_URL points them at the demo API. */
function exampleFlows() {
  const files = fs
    .readdirSync(EXAMPLES_DIR)
    .filter((file) => file.endsWith('.json'))
    .sort();
  const flows = [];
  files.forEach((file, index) => {
    const tab = { id: `npm-start-tab-${index + 1}`, type: 'tab', label: path.basename(file, '.json'), info: '' };
    flows.push(tab);
    const nodes = JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, file), 'utf8'));
    const secured = securedConnections(nodes);
    for (const node of nodes) {
      const deployed = { ...node, z: tab.id };
      if (secured.has(node.id)) deployed.credentials = { ...DEMO_CREDENTIALS };
      flows.push(deployed);
    }
  });
  return flows;
}

async function waitForNodeRed(child) {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error('Node-RED exited before it was ready');
    const ready = await fetch(`${NODE_RED_URL}/settings`)
      .then((response) => response.ok)
      .catch(() => false);
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`Node-RED did not answer on ${NODE_RED_URL} within ${STARTUP_TIMEOUT_MS / 1000} s`);
}

/** Our node types as Node-RED's registry lists them; fails when one did not load. */
async function checkOurNodesLoaded() {
  const response = await fetch(`${NODE_RED_URL}/nodes`, { headers: { Accept: 'application/json' } });
  const nodeSets = await response.json();
  const ours = nodeSets.filter((set) => set.module === PACKAGE.name);
  const expected = Object.keys(PACKAGE['node-red'].nodes);
  for (const type of expected) {
    const set = ours.find((candidate) => candidate.types.includes(type));
    if (!set || !set.enabled || set.err) {
      throw new Error(`Node-RED did not load ${type}${set && set.err ? `: ${set.err}` : ''}`);
    }
  }
  return expected;
}

async function deployExamples() {
  const flows = exampleFlows();
  const response = await fetch(`${NODE_RED_URL}/flows`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'Node-RED-API-Version': 'v2',
      'Node-RED-Deployment-Type': 'full',
    },
    body: JSON.stringify({ flows }),
  });
  if (!response.ok) throw new Error(`deploying the examples failed: ${response.status} ${await response.text()}`);
  return flows.filter((node) => node.type === 'tab').length;
}

async function main() {
  const unbuilt = Object.values(PACKAGE['node-red'].nodes).filter((file) => !fs.existsSync(path.join(ROOT, file)));
  if (unbuilt.length > 0) {
    throw new Error(`${unbuilt.join(', ')} missing: run \`npm run build\` first (npm start does)`);
  }
  const api = await startOrReuseDemoApi();
  prepareUserDir();
  const firstStart = !fs.existsSync(path.join(USER_DIR, 'flows.json'));

  const child = spawn(process.execPath, [require.resolve('node-red/red.js'), '--userDir', USER_DIR], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, PORT: String(NODE_RED_PORT), REST_DEMO_URL: api.baseUrl },
  });
  // Ctrl+C reaches Node-RED too (same process group); a signal sent to this process alone is passed on.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      if (child.exitCode === null) child.kill(signal);
    });
  }
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 0 : 1))));

  try {
    await waitForNodeRed(child);
    await checkOurNodesLoaded();
    if (firstStart) {
      const tabs = await deployExamples();
      log(`first start: deployed ${tabs} example tabs (with the demo credentials) to ${path.relative(ROOT, USER_DIR)}`);
    } else {
      log(`${path.relative(ROOT, USER_DIR)}/flows.json exists: your flows are kept (delete the folder to reset)`);
    }
    log(`open ${NODE_RED_URL} and press an inject button; results appear in the debug sidebar. Ctrl+C stops.`);
  } catch (err) {
    log(`problem: ${err.message}`);
  }

  const code = await exited;
  await api.close();
  process.exit(code);
}

main().catch((err) => {
  console.error(`[npm start] ${err.message}`);
  process.exit(1);
});
