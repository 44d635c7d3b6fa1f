/**
 * A real Node-RED as users run it: `node red.js --userDir … --settings …` in a child process with the
 * Node.js binary under test, on 127.0.0.1 and a free port, with a credentialSecret so flows_cred.json
 * is encrypted. Its log is kept for assertions and for the message of a failed start.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const CREDENTIAL_SECRET = 'smoke-test-credential-secret';
const STARTUP_MS = 60000;

const SETTINGS_JS = `module.exports = {
  uiHost: '127.0.0.1',
  flowFile: 'flows.json',
  credentialSecret: ${JSON.stringify(CREDENTIAL_SECRET)},
  logging: { console: { level: 'info', metrics: false, audit: false } },
  telemetry: { enabled: false, updateNotification: false },
  editorTheme: { tours: false },
};
`;

export interface NodeRedProcess {
  url: string;
  /** Everything Node-RED printed so far (stdout and stderr). */
  log(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The environment without proxy variables: the flows call a loopback API directly. */
function childEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(https?|all|no)_proxy$/i.test(name)));
}

/** Starts Node-RED on userDir (writing its settings.js the first time); resolves once it serves the admin API. */
export async function startNodeRed(nodeBin: string, redJs: string, userDir: string): Promise<NodeRedProcess> {
  const settingsFile = path.join(userDir, 'settings.js');
  if (!fs.existsSync(settingsFile)) fs.writeFileSync(settingsFile, SETTINGS_JS);
  const port = await freePort();
  const args = [redJs, '--userDir', userDir, '--settings', settingsFile, '--port', String(port)];
  const child = spawn(nodeBin, args, { cwd: userDir, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const killer = setTimeout(() => child.kill('SIGKILL'), 10000);
    child.kill('SIGTERM');
    await exited;
    clearTimeout(killer);
  };

  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + STARTUP_MS;
  // red.js listens only after the runtime has loaded the nodes and started the flows.
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Node-RED exited with ${child.exitCode}:\n${output}`);
    const ready = await fetch(new URL('settings', url)).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return { url, log: () => output, stop };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await stop();
  throw new Error(`Node-RED did not answer within ${STARTUP_MS} ms:\n${output}`);
}
