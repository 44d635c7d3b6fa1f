/**
 * The one Redis client of this process for a store URL, shared by every connection that uses
 * the store and closed when the last one lets go. The `redis` package is loaded here, and only
 * here, the first time a Redis store is configured: installs that never configure one never
 * load it (and need not install it).
 *
 * When Redis cannot be reached, commands fail at once (no offline queue) with
 * RedisUnavailableError, so callers fall back to their local state; the client keeps
 * reconnecting in the background. The user is told once when Redis goes away and once when it
 * is back, never per request.
 */
import { RestError } from '../errors';
import type { LuaScript } from './redis-scripts';
import { safeStoreUrl } from './store-settings';

/** What a user of the store hears: a message for the log, and whether Redis went away or came back. */
export type StoreWarn = (message: string, event?: 'unreachable' | 'reachable') => void;

/** Thrown by command(): Redis did not answer; the caller uses its local state instead. */
export class RedisUnavailableError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'RedisUnavailableError';
  }
}

/** The part of the `redis` client used here. */
interface RedisClient {
  readonly isReady: boolean;
  connect(): Promise<unknown>;
  destroy(): void;
  sendCommand(args: string[], options?: { timeout?: number }): Promise<unknown>;
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'ready' | 'end', listener: () => void): unknown;
}

interface RedisModule {
  createClient(options: Record<string, unknown>): RedisClient;
}

/** Waits this long for the first connection before using local state: instances starting together share from the start. */
const CONNECT_TIMEOUT_MS = 3000;
/** A command that takes longer counts as a failure: a hung Redis must not hold up requests. */
const COMMAND_TIMEOUT_MS = 2000;
const MAX_RECONNECT_DELAY_MS = 5000;

let redisModule: Promise<RedisModule> | undefined;

/** Loads the `redis` package; ERR_CONFIG saying how to install it when it is missing. */
export function loadRedisModule(name = 'redis'): Promise<RedisModule> {
  if (name !== 'redis') return importRedis(name);
  redisModule ??= importRedis(name).catch((err) => {
    redisModule = undefined;
    throw err;
  });
  return redisModule;
}

async function importRedis(name: string): Promise<RedisModule> {
  try {
    const loaded = (await import(name)) as RedisModule & { default?: RedisModule };
    return typeof loaded.createClient === 'function' ? loaded : (loaded.default as RedisModule);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw err;
    throw new RestError(
      'ERR_CONFIG',
      `settings.js restConnection.store type "redis" needs the "${name}" package, which is not installed: run "npm install ${name}" in the Node-RED user directory (e.g. ~/.node-red) and restart Node-RED.`,
    );
  }
}

const open = new Map<string, RedisConnection>();

export class RedisConnection {
  private readonly client: RedisClient;
  private readonly firstAttempt: Promise<void>;
  /** Where messages go, with how many users passed each (the nodes pass the same log function). */
  private readonly sinks = new Map<StoreWarn, number>();
  private readonly recoveredListeners = new Set<() => void>();
  private readonly shownUrl: string;
  private users = 0;
  private unreachable = false;
  /** What was said when Redis went away: a connection opened during the outage hears it too. */
  private outageMessage = '';
  private warnedFailures = new Set<string>();

  /** The process's connection for `url` (created on first use); each call must be matched by release(). */
  static async open(url: string, warn: StoreWarn): Promise<RedisConnection> {
    const module = await loadRedisModule();
    let connection = open.get(url);
    if (!connection) {
      connection = new RedisConnection(module, url);
      open.set(url, connection);
    }
    connection.users++;
    connection.sinks.set(warn, (connection.sinks.get(warn) ?? 0) + 1);
    if (connection.unreachable) warn(connection.outageMessage, 'unreachable');
    return connection;
  }

  private constructor(
    module: RedisModule,
    private readonly url: string,
  ) {
    this.shownUrl = safeStoreUrl(url);
    this.client = module.createClient({
      url,
      disableOfflineQueue: true,
      socket: {
        connectTimeout: CONNECT_TIMEOUT_MS,
        // Forever, backing off to a few seconds: Redis coming back is noticed without a restart.
        reconnectStrategy: (retries: number) => Math.min(100 * 2 ** Math.min(retries, 6), MAX_RECONNECT_DELAY_MS),
      },
    });
    let settleFirst: () => void = () => {};
    this.firstAttempt = new Promise<void>((resolve) => (settleFirst = resolve));
    const firstTimer = setTimeout(settleFirst, CONNECT_TIMEOUT_MS + 500);
    firstTimer.unref();
    this.client.on('error', (err) => {
      settleFirst();
      this.wentAway(err);
    });
    this.client.on('ready', () => {
      settleFirst();
      clearTimeout(firstTimer);
      this.cameBack();
    });
    // Rejects only when the client is destroyed while connecting; errors are reported through 'error'.
    this.client.connect().catch(() => undefined);
  }

  /** Whether commands can be sent now; before the first connection attempt has ended, waits for it. */
  async available(): Promise<boolean> {
    await this.firstAttempt;
    return this.client.isReady;
  }

  /** Connected now: a command that failed meanwhile was slow or refused, Redis is not gone. */
  get connected(): boolean {
    return this.client.isReady && !this.unreachable;
  }

  /** Called after Redis is reachable again following an outage: re-sync what was kept locally. */
  onRecovered(listener: () => void): () => void {
    this.recoveredListeners.add(listener);
    return () => this.recoveredListeners.delete(listener);
  }

  async command(args: string[]): Promise<unknown> {
    if (!(await this.available())) throw new RedisUnavailableError(`Redis at ${this.shownUrl} is not reachable`);
    try {
      return await this.client.sendCommand(args, { timeout: COMMAND_TIMEOUT_MS });
    } catch (err) {
      this.commandFailed(err);
      throw new RedisUnavailableError(`Redis at ${this.shownUrl} failed: ${reasonOf(err)}`);
    }
  }

  /** EVALSHA, and EVAL the first time Redis sees the script (or after it restarted). */
  async script(script: LuaScript, keys: string[], args: (string | number)[]): Promise<unknown> {
    const tail = [String(keys.length), ...keys, ...args.map(String)];
    try {
      return await this.command(['EVALSHA', script.sha, ...tail]);
    } catch (err) {
      if (!(err instanceof RedisUnavailableError) || !/NOSCRIPT/.test(err.message)) throw err;
      return this.command(['EVAL', script.source, ...tail]);
    }
  }

  release(warn: StoreWarn): void {
    const uses = (this.sinks.get(warn) ?? 1) - 1;
    if (uses > 0) this.sinks.set(warn, uses);
    else this.sinks.delete(warn);
    if (--this.users > 0) return;
    if (open.get(this.url) === this) open.delete(this.url);
    this.recoveredListeners.clear();
    this.client.destroy();
  }

  private wentAway(err: Error): void {
    if (this.unreachable) return;
    this.unreachable = true;
    this.outageMessage = `Shared store: Redis at ${this.shownUrl} is not reachable (${reasonOf(err)}). Until it is back, each Node-RED instance keeps its own OAuth2 tokens and its own rateLimit/maxConcurrent (so the limits hold per instance, not for all together); retrying in the background.`;
    this.tell(this.outageMessage, 'unreachable');
  }

  private cameBack(): void {
    this.warnedFailures.clear();
    if (!this.unreachable) return;
    this.unreachable = false;
    this.tell(
      `Shared store: Redis at ${this.shownUrl} is reachable again; tokens and limits are shared again.`,
      'reachable',
    );
    for (const listener of [...this.recoveredListeners]) listener();
  }

  /** A command that failed while connected (timeout, error reply): said once per kind of failure. */
  private commandFailed(err: unknown): void {
    if (!this.client.isReady || this.unreachable) return;
    const reason = reasonOf(err);
    if (this.warnedFailures.has(reason) || this.warnedFailures.size > 20) return;
    if (/NOSCRIPT/.test(reason)) return;
    this.warnedFailures.add(reason);
    this.tell(`Shared store: a command to Redis at ${this.shownUrl} failed (${reason}); local state is used for it.`);
  }

  private tell(message: string, event?: 'unreachable' | 'reachable'): void {
    for (const sink of this.sinks.keys()) sink(message, event);
  }
}

function reasonOf(err: unknown): string {
  const error = err as NodeJS.ErrnoException;
  const text = error?.message || String(err);
  return text.slice(0, 200);
}
