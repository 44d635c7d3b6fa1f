/**
 * Starts a real redis-server (Debian's /usr/bin/redis-server) for a test: its own config in a
 * temp dir, a free loopback port, no persistence; stop() and start() again on the same port
 * (Redis going away and coming back, empty). Missing binary: skip with how to install it,
 * except in CI (CI=true), where it is a failure.
 * To be replaced by the shared launcher in test/support/peers/ when that lands.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const REDIS_SERVER = '/usr/bin/redis-server';

export interface RedisServer {
  url: string;
  port: number;
  /** Stops the server (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port, with no data (persistence is off). */
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  close(): Promise<void>;
}

/** For a `before` hook: skips the suite (outside CI) when redis-server is not installed. */
export function needRedisServer(context: Mocha.Context): void {
  if (fs.existsSync(REDIS_SERVER)) return;
  if (process.env.CI === 'true')
    throw new Error(`${REDIS_SERVER} is missing: .ci/run must install it (apt-get install redis-server).`);
  console.log(`    (redis-server is not installed: "apt-get install redis-server" runs these tests)`);
  context.skip();
}

export async function startRedisServer(): Promise<RedisServer> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-test-'));
  const port = await freePort();
  const config = path.join(directory, 'redis.conf');
  fs.writeFileSync(
    config,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      'save ""',
      'appendonly no',
      `dir ${directory}`,
      'daemonize no',
      'logfile ""',
    ].join('\n'),
  );
  let child: ChildProcess | undefined;
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    async start() {
      child = await launch(config);
    },
    async stop() {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGTERM');
      await exited;
    },
    async close() {
      await server.stop();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}

function launch(config: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(REDIS_SERVER, [config], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => fail(new Error(`redis-server did not start within 10 s:\n${output}`)), 10_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    };
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (/Ready to accept connections/.test(output)) {
        clearTimeout(timer);
        child.stdout.removeAllListeners('data');
        child.stdout.resume();
        resolve(child);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => fail(new Error(`redis-server exited (${code}):\n${output}`)));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
