/**
 * A Debian Squid started for one test suite: its own config, logs and password files in a temp
 * dir, a free loopback port, `-N` (no daemon), stopped by stop(). Proxy authentication comes
 * from Squid's own helpers: ntlm_fake_auth (a real NTLM handshake that accepts any password),
 * digest_file_auth and basic_ncsa_auth (real password checks).
 * Minimal on purpose: replace it with the shared launcher in test/support/peers/ once merged.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const SQUID = '/usr/sbin/squid';
const HELPERS = '/usr/lib/squid';

export type SquidScheme = 'ntlm' | 'digest' | 'basic' | 'negotiate';

export interface SquidOptions {
  /** Schemes offered, in this order in Proxy-Authenticate. Empty: no authentication. */
  schemes: SquidScheme[];
  /** Users for digest_file_auth and basic_ncsa_auth (ntlm_fake_auth accepts anyone). */
  users?: { user: string; password: string }[];
  realm?: string;
  /** CONNECT is refused (403, before authentication, as Squid's default config does) to other ports. */
  connectPorts?: number[];
  /** More squid.conf lines, after the auth_param lines (e.g. `auth_param digest nonce_max_count 2`). */
  extraConfig?: string[];
}

export interface AccessLogEntry {
  method: string;
  url: string;
  status: number;
  /** The authenticated user, '-' for none. */
  user: string;
  /** The scheme of the request's Proxy-Authorization (`NTLM`, `Digest`, `Basic`), '-' for none. */
  sent: string;
}

export interface Squid {
  url: string;
  port: number;
  /** Entries written so far (Squid writes a tunnel's entry when the tunnel closes). */
  accessLog(): AccessLogEntry[];
  /** Waits until the access log holds at least `count` entries (or 10 s), then returns it. */
  waitForLog(count: number): Promise<AccessLogEntry[]>;
  stop(): Promise<void>;
}

/** How to install Squid; undefined when it is there. */
export function squidMissing(): string | undefined {
  if (fs.existsSync(SQUID) && fs.existsSync(path.join(HELPERS, 'ntlm_fake_auth'))) return undefined;
  return `${SQUID} is missing: install Debian's squid with "apt-get update && apt-get install -y squid"`;
}

/** Skips the suite (outside CI) or fails it (CI) when Squid is missing. */
export function requireSquid(context: Mocha.Context): void {
  const how = squidMissing();
  if (!how) return;
  if (process.env.CI) throw new Error(`this test needs Squid. ${how}`);
  console.warn(`      [squid] skipped: ${how}`);
  context.skip();
}

export async function startSquid(options: SquidOptions): Promise<Squid> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rest-squid-'));
  // Squid started as root runs as the `proxy` user: it must be able to write here.
  fs.chmodSync(dir, 0o777);
  const port = await freePort();
  const users = options.users ?? [];
  const realm = options.realm ?? 'rest-test';
  // user:realm:HA1 (digest_file_auth -c): any character may appear in the password.
  const ha1 = (user: string, password: string) =>
    crypto.createHash('md5').update(`${user}:${realm}:${password}`).digest('hex');
  writePublic(
    path.join(dir, 'digest.passwd'),
    users.map(({ user, password }) => `${user}:${realm}:${ha1(user, password)}\n`).join(''),
  );
  writePublic(
    path.join(dir, 'basic.passwd'),
    users.map(({ user, password }) => `${user}:${md5Crypt(password)}\n`).join(''),
  );
  const authLines: Record<SquidScheme, string[]> = {
    ntlm: [`auth_param ntlm program ${HELPERS}/ntlm_fake_auth`, 'auth_param ntlm children 2'],
    negotiate: [
      `auth_param negotiate program ${HELPERS}/negotiate_kerberos_auth -s GSS_C_NO_NAME`,
      'auth_param negotiate children 1 startup=0 idle=1',
    ],
    digest: [
      `auth_param digest program ${HELPERS}/digest_file_auth -c ${path.join(dir, 'digest.passwd')}`,
      `auth_param digest realm ${realm}`,
      'auth_param digest children 2',
    ],
    basic: [
      `auth_param basic program ${HELPERS}/basic_ncsa_auth ${path.join(dir, 'basic.passwd')}`,
      `auth_param basic realm ${realm}`,
      'auth_param basic children 2',
      // Squid lowercases Basic user names by default: DOMAIN\user is checked as written.
      'auth_param basic casesensitive on',
    ],
  };
  const config = [
    `http_port 127.0.0.1:${port}`,
    'pid_filename none',
    'pinger_enable off',
    `cache_log ${path.join(dir, 'cache.log')}`,
    'logformat rest %rm %ru %>Hs %un %{Proxy-Authorization}>h',
    `access_log stdio:${path.join(dir, 'access.log')} rest`,
    'cache deny all',
    'cache_mem 8 MB',
    `coredump_dir ${dir}`,
    'visible_hostname squid-test',
    'shutdown_lifetime 0 seconds',
    ...options.schemes.flatMap((scheme) => authLines[scheme]),
    ...(options.extraConfig ?? []),
    'acl CONNECT method CONNECT',
    ...(options.connectPorts
      ? [`acl tunnel_ports port ${options.connectPorts.join(' ')}`, 'http_access deny CONNECT !tunnel_ports']
      : []),
    ...(options.schemes.length ? ['acl authenticated proxy_auth REQUIRED', 'http_access allow authenticated'] : []),
    'http_access allow localhost',
    'http_access deny all',
  ];
  const configFile = path.join(dir, 'squid.conf');
  writePublic(configFile, `${config.join('\n')}\n`);
  const child = spawn(SQUID, ['-N', '-f', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  try {
    await waitForPort(port, child);
  } catch (err) {
    child.kill('SIGKILL');
    const log = readIfThere(path.join(dir, 'cache.log'));
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`Squid did not start: ${(err as Error).message}\n${stderr}\n${log.slice(-2000)}`);
  }
  const accessLog = () => parseLog(readIfThere(path.join(dir, 'access.log')));
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    accessLog,
    async waitForLog(count) {
      for (const deadline = Date.now() + 10000; accessLog().length < count && Date.now() < deadline;) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return accessLog();
    },
    stop: () => stop(child, dir),
  };
}

function parseLog(text: string): AccessLogEntry[] {
  return (
    text
      .split('\n')
      .filter((line) => line.trim())
      // A connection that sent nothing (the readiness check) is logged as `- - 0 -`.
      .filter((line) => !line.startsWith('- '))
      .map((line) => {
        const [method = '', url = '', status, user = '-', sent = '-'] = line.split(' ');
        // Squid URL-encodes logged values; only the scheme of the Proxy-Authorization is kept.
        const [scheme = '-'] = decodeURIComponent(sent).split(' ');
        return { method, url, status: Number(status), user: decodeURIComponent(user), sent: scheme };
      })
  );
}

async function stop(child: ChildProcess, dir: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

function writePublic(file: string, text: string): void {
  fs.writeFileSync(file, text);
  fs.chmodSync(file, 0o644);
}

function readIfThere(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

const CRYPT_ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * MD5-crypt (`$1$salt$hash`), the htpasswd form basic_ncsa_auth checks with crypt(3); written
 * out because Node has no crypt(3) and the openssl CLI is not a Squid dependency.
 */
export function md5Crypt(
  password: string,
  salt = crypto.randomBytes(6).toString('base64').replace(/[+=]/g, '.'),
): string {
  const md5 = (...parts: (string | Buffer)[]) => {
    const hash = crypto.createHash('md5');
    for (const part of parts) hash.update(part);
    return hash.digest();
  };
  const pw = Buffer.from(password);
  const magic = '$1$';
  const alternate = md5(pw, salt, pw);
  const parts: (string | Buffer)[] = [pw, magic, salt];
  for (let left = pw.length; left > 0; left -= 16) parts.push(alternate.subarray(0, Math.min(left, 16)));
  for (let i = pw.length; i; i >>= 1) parts.push(i & 1 ? Buffer.from([0]) : pw.subarray(0, 1));
  let digest = md5(...parts);
  for (let i = 0; i < 1000; i++) {
    digest = md5(i & 1 ? pw : digest, i % 3 ? salt : '', i % 7 ? pw : '', i & 1 ? digest : pw);
  }
  const groups: [number, number, number][] = [
    [0, 6, 12],
    [1, 7, 13],
    [2, 8, 14],
    [3, 9, 15],
    [4, 10, 5],
  ];
  let encoded = '';
  const to64 = (value: number, count: number) => {
    for (let n = 0; n < count; n++, value >>= 6) encoded += CRYPT_ALPHABET.charAt(value & 0x3f);
  };
  for (const [a, b, c] of groups)
    to64((digest.readUInt8(a) << 16) | (digest.readUInt8(b) << 8) | digest.readUInt8(c), 4);
  to64(digest.readUInt8(11), 2);
  return `${magic}${salt}$${encoded}`;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  for (const deadline = Date.now() + 20000; Date.now() < deadline;) {
    if (child.exitCode !== null) throw new Error(`it exited with code ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('its port did not open within 20 s');
}
