/**
 * A real Node-RED with this package installed, for the browser tests and the tests that need
 * Node-RED's own admin API (deploy, restart, admin authentication):
 *
 *   installPackage(userDir);                       // <userDir>/node_modules/@rest-nodes/... → this clone
 *   const nodeRed = await startEditorServer(userDir, { adminAuth });
 *   fetch(new URL('flows', nodeRed.url)); … await nodeRed.stop();
 *
 * Node-RED runs in a child process (node-red-process.ts) on 127.0.0.1 and a free port. Needs
 * `npm run build` first: the package is loaded from dist/ as an installed package would be.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const PACKAGE = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  'node-red': { nodes: Record<string, string> };
};
const START_TIMEOUT_MS = 30000;

export interface EditorServer {
  /** The editor's address, ending in `/` (the admin API is under it). */
  url: string;
  stop(): Promise<void>;
  /** What Node-RED wrote to stderr so far (warnings and errors). */
  stderr(): string;
}

/**
 * Links this clone into `<userDir>/node_modules`, where Node-RED finds installed nodes, so the
 * real dist/nodes is loaded. Throws when dist/ lacks a node's runtime or editor file.
 */
export function installPackage(userDir: string): void {
  const missing = Object.values(PACKAGE['node-red'].nodes)
    .flatMap((file) => [file, file.replace(/\.js$/, '.html')])
    .filter((file) => !fs.existsSync(path.join(ROOT, file)));
  if (missing.length > 0) throw new Error(`not built: ${missing.join(', ')} (run "npm run build" first)`);
  const scope = path.join(userDir, 'node_modules', '@rest-nodes');
  fs.mkdirSync(scope, { recursive: true });
  fs.symlinkSync(ROOT, path.join(scope, 'node-red-rest-connection'), 'dir');
}

/** Starts Node-RED on `userDir` with `extraSettings` over the test settings; resolves once it serves the editor. */
export function startEditorServer(userDir: string, extraSettings: object = {}): Promise<EditorServer> {
  const child = spawn(
    process.execPath,
    ['--require', 'tsx/cjs', path.join(__dirname, 'node-red-process.ts'), userDir],
    {
      cwd: ROOT,
      env: { ...process.env, NODE_RED_HOME: userDir, REST_TEST_NODE_RED_SETTINGS: JSON.stringify(extraSettings) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(killer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`Node-RED did not start within ${START_TIMEOUT_MS / 1000} s: ${stderr}`));
    }, START_TIMEOUT_MS);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const line = stdout.split('\n').find((l) => l.startsWith('{"port"'));
      if (!line) return;
      clearTimeout(timer);
      const { port } = JSON.parse(line) as { port: number };
      resolve({ url: `http://127.0.0.1:${port}/`, stop, stderr: () => stderr });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Node-RED exited with ${code}: ${stderr}`));
    });
  });
}

/**
 * An admin API token for `username` of the server's adminAuth users (Node-RED's password grant
 * for its own editor client), for `authorization: Bearer <token>`. Throws when Node-RED refuses.
 */
export async function adminToken(server: EditorServer, username: string, password: string): Promise<string> {
  const response = await fetch(new URL('auth/token', server.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope: '', username, password }),
  });
  if (response.status !== 200) throw new Error(`no admin token for ${username}: HTTP ${response.status}`);
  return ((await response.json()) as { access_token: string }).access_token;
}
