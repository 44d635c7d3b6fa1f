/**
 * Runs a third-party server binary (squid, nginx, redis-server) as a child of the test process:
 * starts it, waits until its port accepts connections, keeps the tail of its output for error
 * messages, and stops it. Every live child is killed when the test process exits or is
 * interrupted, so a failing test never leaves a server behind.
 *
 *   const child = await startPeerProcess({ name: 'redis', command, args, port });
 *   await child.stop();
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { PortInUseError } from './free-port';

const OUTPUT_LIMIT = 16 * 1024;
const liveChildren = new Set<ChildProcess>();

function killLiveChildren(): void {
  for (const child of liveChildren) child.kill('SIGKILL');
  liveChildren.clear();
}
process.on('exit', killLiveChildren);
// Death by a signal skips 'exit' handlers (here and in peer-dir): exit instead, with the code a
// shell expects for that signal.
for (const [signal, number] of [
  ['SIGHUP', 1],
  ['SIGINT', 2],
  ['SIGTERM', 15],
] as const) {
  process.once(signal, () => process.exit(128 + number));
}

export interface PeerProcessOptions {
  /** Short name used in messages, e.g. "squid". */
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  /** The loopback port the peer listens on; it is ready once a TCP connection succeeds. */
  port: number;
  /** A line the peer prints once it serves (proves the port is this child's, not another process's). */
  readyOutput?: RegExp;
  /** How long to wait for the port (default 10 s: the machine may be busy). */
  startTimeoutMs?: number;
}

export interface PeerProcess {
  readonly pid: number;
  /** The last 16 KB of the peer's stdout and stderr, interleaved. */
  output(): string;
  /** Whether the process is still running. */
  running(): boolean;
  /** SIGTERM, then SIGKILL if it is still running after `graceMs` (default 5 s). Resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Spawns the peer and resolves once its port accepts connections; rejects with its output if it exits first. */
export async function startPeerProcess(options: PeerProcessOptions): Promise<PeerProcess> {
  const { name, command, args, cwd, port, readyOutput, startTimeoutMs = 10_000 } = options;
  let output = '';
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  liveChildren.add(child);
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);

  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      liveChildren.delete(child);
      resolve();
    });
    child.once('error', (err) => {
      collect(Buffer.from(`${err.message}\n`));
      exited = true;
      liveChildren.delete(child);
      resolve();
    });
  });

  const handle: PeerProcess = {
    pid: child.pid ?? -1,
    output: () => output,
    running: () => !exited,
    async stop(graceMs = 5000) {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exit;
      clearTimeout(timer);
    },
  };

  const deadline = Date.now() + startTimeoutMs;
  while (!exited) {
    if ((!readyOutput || readyOutput.test(output)) && (await canConnect(port)) && !exited) return handle;
    if (Date.now() > deadline) {
      await handle.stop(0);
      throw new Error(
        `${name} did not accept connections on 127.0.0.1:${port} within ${startTimeoutMs} ms:\n${output}`,
      );
    }
    await delay(20);
  }
  if (/address already in use/i.test(output)) throw new PortInUseError(name, port);
  throw new Error(`${name} exited during start:\n${output}`);
}
