/**
 * A private temporary directory per peer start (config, logs, pid file, data), removed by the
 * peer's close() and, should a test never reach close(), when the test process exits.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const liveDirs = new Set<string>();
process.on('exit', () => {
  for (const dir of liveDirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** Creates `/tmp/rest-peer-<name>-XXXXXX`. */
export function createPeerDir(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `rest-peer-${name}-`));
  liveDirs.add(dir);
  return dir;
}

/** Removes a directory made by createPeerDir. */
export function removePeerDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  liveDirs.delete(dir);
}

/** Writes a file into a peer directory (private to the owner unless `mode` says otherwise) and returns its path. */
export function writePeerFile(dir: string, name: string, content: string | Buffer, mode = 0o600): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content, { mode });
  return file;
}
