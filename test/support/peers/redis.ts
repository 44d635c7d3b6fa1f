/**
 * redis-server (Debian `redis-server`) on loopback with its own config in a temp dir: no
 * persistence (`save ""`, `appendonly no`), so every start begins empty. stop() and start()
 * take it down and bring it back on the same port, for "Redis down, then back" tests.
 *
 *   requirePeer(this, 'redis');
 *   const redis = await startRedis();          // or startRedis({ password: 's3cret' })
 *   redis.url;                                 // redis://127.0.0.1:<port> (redis://:s3cret@127.0.0.1:<port>)
 *   await redis.stop();                        // clients now get ECONNREFUSED
 *   await redis.start();                       // same port, empty data set
 *   await redis.close();                       // stops it and removes its temp dir
 *
 * Options
 * - password: sets requirepass (clients must AUTH; the URL carries it).
 * - extraConfig: more redis.conf lines (e.g. "maxmemory 10mb").
 */
import { assertPeerInstalled } from './debian-peers';
import { onFreePort, PortInUseError } from './free-port';
import { createPeerDir, removePeerDir, writePeerFile } from './peer-dir';
import { startPeerProcess, type PeerProcess } from './peer-process';

export interface RedisOptions {
  password?: string;
  extraConfig?: string[];
}

export interface RedisServer {
  /** redis://127.0.0.1:<port>, with the password when one is set. */
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** Whether the server is up (false between stop() and start()). */
  running(): boolean;
  /** Shuts the server down (SIGTERM; nothing is saved). */
  stop(): Promise<void>;
  /** Starts it again on the same port, with an empty data set. */
  start(): Promise<void>;
  /** Stops it and removes its temp dir. */
  close(): Promise<void>;
}

function redisConf(dir: string, port: number, options: RedisOptions): string {
  return [
    'bind 127.0.0.1',
    `port ${port}`,
    'daemonize no',
    'save ""',
    'appendonly no',
    `dir ${dir}`,
    'logfile ""',
    'databases 4',
    ...(options.password ? [`requirepass "${options.password.replace(/["\\]/g, '\\$&')}"`] : []),
    ...(options.extraConfig ?? []),
    '',
  ].join('\n');
}

/** Starts redis-server on a free loopback port; resolves once it is ready. */
export async function startRedis(options: RedisOptions = {}): Promise<RedisServer> {
  const binary = assertPeerInstalled('redis');
  return onFreePort(async (port) => {
    const dir = createPeerDir('redis');
    const conf = writePeerFile(dir, 'redis.conf', redisConf(dir, port, options));
    const launch = () =>
      startPeerProcess({
        name: 'redis-server',
        command: binary,
        args: [conf],
        cwd: dir,
        port,
        readyOutput: /Ready to accept connections/,
      });
    let child: PeerProcess | undefined;
    try {
      child = await launch();
    } catch (err) {
      removePeerDir(dir);
      throw err;
    }
    const auth = options.password ? `:${encodeURIComponent(options.password)}@` : '';
    return {
      url: `redis://${auth}127.0.0.1:${port}`,
      port,
      dir,
      running: () => child?.running() ?? false,
      async stop() {
        await child?.stop();
        child = undefined;
      },
      async start() {
        if (child?.running()) return;
        try {
          child = await launch();
        } catch (err) {
          // The URL cannot change now: say so instead of retrying elsewhere.
          if (err instanceof PortInUseError) err.message += ' (another process took it while redis was stopped)';
          throw err;
        }
      },
      async close() {
        await child?.stop();
        child = undefined;
        removePeerDir(dir);
      },
    };
  });
}
