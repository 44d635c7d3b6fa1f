/**
 * Installs the package the way a user gets it: `npm pack` of this project, then `npm install <tarball>`
 * into a fresh Node-RED user dir, so only what the tarball ships and its declared dependencies are there.
 * Node-RED itself is the project's own (the 4.1 devDependency) or, given a version, installed from npm
 * into a temp dir. Installs prefer the npm cache: with a warm cache they need no network.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');
const QUIET = ['--no-audit', '--no-fund', '--loglevel=error'];

interface PackageJson {
  name: string;
  version: string;
  'node-red': { nodes: Record<string, string> };
}

export const projectPackage = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as PackageJson;

/**
 * npm as `npm run` started it (npm_execpath), under the Node.js that will run Node-RED, so engine
 * checks and install scripts see that version; plain `npm` when the tests were not started by npm.
 */
async function npm(nodeBin: string, args: string[], cwd: string): Promise<string> {
  const npmCli = process.env.npm_execpath;
  const [file, argv] = npmCli && path.basename(npmCli) === 'npm-cli.js' ? [nodeBin, [npmCli, ...args]] : ['npm', args];
  try {
    const { stdout } = await run(file, argv, { cwd, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const { stderr = '', message } = err as { stderr?: string; message: string };
    throw new Error(`npm ${args.join(' ')} failed in ${cwd}: ${stderr.trim() || message}`);
  }
}

/** The tarball `npm publish` would upload (from the current build: `npm run build` first). */
export async function packProject(nodeBin: string, destination: string): Promise<string> {
  const missing = Object.values(projectPackage['node-red'].nodes).filter(
    (file) => !fs.existsSync(path.join(ROOT, file)),
  );
  if (missing.length) throw new Error(`not built: ${missing.join(', ')} (run "npm run build" first)`);
  const out = await npm(nodeBin, ['pack', '--ignore-scripts', '--json', '--pack-destination', destination], ROOT);
  const [{ filename }] = JSON.parse(out) as [{ filename: string }];
  return path.join(destination, filename);
}

/** Installs node-red@version into dir; returns its red.js. */
export async function installNodeRed(nodeBin: string, version: string, dir: string): Promise<string> {
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'smoke-runtime', private: true }));
  await npm(nodeBin, ['install', '--prefer-offline', ...QUIET, `node-red@${version}`], dir);
  return path.join(dir, 'node_modules', 'node-red', 'red.js');
}

/** The project's own Node-RED (devDependency), for a run that installs no runtime. */
export function projectNodeRed(): string {
  return require.resolve('node-red/red.js');
}

/** `npm install <tarball>` in a user dir, as "Manage palette" or a user in ~/.node-red does. */
export async function installTarball(nodeBin: string, tarball: string, userDir: string): Promise<void> {
  const userPackage = { name: 'node-red-project', description: 'smoke test user dir', version: '0.0.1', private: true };
  fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify(userPackage));
  await npm(nodeBin, ['install', '--prefer-offline', ...QUIET, tarball], userDir);
}
