/**
 * Squid (Debian `squid`) as a forward proxy on loopback, with its own squid.conf in a temp dir.
 *
 *   requirePeer(this, 'squid');
 *   const proxy = await startSquid({ auth: 'basic', users: [{ username: 'CORP\\alice', password: 's3cret' }] });
 *   proxy.url;                       // http://127.0.0.1:<port>
 *   proxy.accessLog();               // [{ method: 'CONNECT', url: '127.0.0.1:8443', status: 200, user: 'CORP\\alice', … }]
 *   await proxy.waitForAccessLog((entries) => proxy.tunnels().length === 2);
 *   await proxy.close();
 *
 * Options
 * - auth: 'none' (default) | 'basic' | 'digest' | 'ntlm', or several (each sends its own
 *   Proxy-Authenticate challenge, in the order given).
 *   - basic: basic_ncsa_auth against a passwd file (unsalted MD5 hex, one of the forms it accepts),
 *     with `casesensitive on` (squid lower-cases Basic user names by default); "DOMAIN\user" works.
 *   - digest: digest_file_auth with a file of user:realm:HA1 (MD5, qop="auth"): squid really checks
 *     the response against the password. Squid 5 drops every backslash from a Digest user name
 *     ("CORP\alice" is looked up, allowed and logged as "CORPalice", see squidDigestUser); the
 *     client still hashes the real name, so DOMAIN\user logs in. A nonce may be reused with a
 *     nonce count not below the last one (default nonce_strictness off); a lower count gets a 407
 *     with a new nonce and stale=true. Squid's defaults end a nonce after 50 uses or 30 minutes.
 *   - ntlm: ntlm_fake_auth. It runs a real Type 1/2/3 handshake (the Type 3 must come on the
 *     kept-alive connection that got the Type 2) and checks that the messages are NTLMSSP of the
 *     right type and that the Type 3 names a user, but never checks the password or the response.
 *     Only the user names in `users` ("DOMAIN\user" as the Type 3 gives them) are let through;
 *     any other user gets a 407 again.
 * - users: who may use the proxy (default one user, alice / wonderland). Ignored for 'none'.
 * - realm: the Basic/Digest realm (default "rest-connection-test").
 * - extraConfig: more squid.conf lines, placed before the access rules (e.g. digest nonce limits).
 *
 * Behaviour worth knowing
 * - CONNECT is allowed to any port (no SSL_ports/Safe_ports rules) unless `connectPorts` lists
 *   them, only from 127.0.0.1.
 * - No X-Forwarded-For or Via header is added and Proxy-Authorization is not forwarded; nothing
 *   is cached. Responses carry squid's X-Cache and X-Cache-Lookup headers, as real squids do.
 * - Squid writes an access-log line when a transaction ends: a CONNECT tunnel appears only once
 *   it is closed (use waitForAccessLog after closing the client's sockets).
 * - As root, squid drops to the `proxy` user (cache_effective_user); the temp dir is given to it.
 * - close() kills squid at once: a graceful stop takes 1.5 s.
 */
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { assertPeerInstalled } from './debian-peers';
import { onFreePort } from './free-port';
import { createPeerDir, removePeerDir, writePeerFile } from './peer-dir';
import { startPeerProcess } from './peer-process';

export type SquidAuthScheme = 'none' | 'basic' | 'digest' | 'ntlm' | 'negotiate';

export interface ProxyUser {
  username: string;
  password: string;
}

export interface SquidOptions {
  auth?: SquidAuthScheme | SquidAuthScheme[];
  users?: ProxyUser[];
  realm?: string;
  extraConfig?: string[];
  /** CONNECT is refused (403, before authentication, as Squid's default config does) to other ports. */
  connectPorts?: number[];
}

/** One access-log line (connections closed before sending a request are left out). */
export interface SquidLogEntry {
  /** Unix time in seconds, with milliseconds. */
  time: number;
  client: string;
  method: string;
  /** The request URL, or host:port for CONNECT. */
  url: string;
  /** The status squid sent to the client (0 when none was sent). */
  status: number;
  /** Squid's result code, e.g. TCP_TUNNEL, TCP_MISS, TCP_DENIED. */
  result: string;
  /** The authenticated user name, or undefined. */
  user: string | undefined;
  /** The scheme of the request's Proxy-Authorization (`NTLM`, `Digest`, `Basic`), '-' for none. */
  sent: string;
}

export interface SquidProxy {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  /** The schemes squid offers, in the order of its Proxy-Authenticate headers. */
  readonly schemes: Exclude<SquidAuthScheme, 'none'>[];
  readonly realm: string;
  readonly users: ProxyUser[];
  /** The temp dir holding squid.conf, the logs and the password files. */
  readonly dir: string;
  accessLog(): SquidLogEntry[];
  /** The CONNECT tunnels squid opened (status 200), optionally only those to `target` ("host:port"). */
  tunnels(target?: string): SquidLogEntry[];
  /** Polls the access log until `done(entries)` is true (default timeout 5 s). */
  waitForAccessLog(done: (entries: SquidLogEntry[]) => boolean, timeoutMs?: number): Promise<SquidLogEntry[]>;
  close(): Promise<void>;
}

const HELPERS = '/usr/lib/squid';
const DEFAULT_USERS: ProxyUser[] = [{ username: 'alice', password: 'wonderland' }];
const LOG_FORMAT = 'peers %ts.%03tu %>a %rm %ru %>Hs %Ss %un %{Proxy-Authorization}>h';

/** The user squid drops to when started as root, and that must own its files. */
function squidUser(): { name: string; uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = fs.readFileSync('/etc/passwd', 'utf8').split('\n');
  for (const name of ['proxy', 'nobody']) {
    const fields = passwd.find((line) => line.startsWith(`${name}:`))?.split(':');
    if (fields) return { name, uid: Number(fields[2]), gid: Number(fields[3]) };
  }
  throw new Error('squid refuses to run as root and this machine has neither a "proxy" nor a "nobody" user');
}

function authConfig(dir: string, schemes: SquidAuthScheme[], users: ProxyUser[], realm: string): string[] {
  const lines: string[] = [];
  for (const scheme of schemes) {
    if (scheme === 'basic') {
      // basic_ncsa_auth accepts an unsalted MD5 hex digest besides crypt() forms.
      const md5 = (text: string) => crypto.createHash('md5').update(text).digest('hex');
      const file = writePeerFile(dir, 'basic.passwd', users.map((u) => `${u.username}:${md5(u.password)}\n`).join(''));
      // Squid lower-cases Basic user names unless told not to ("CORP\\Alice" would become "corp\\alice").
      lines.push(
        `auth_param basic program ${HELPERS}/basic_ncsa_auth ${file}`,
        `auth_param basic realm ${realm}`,
        'auth_param basic casesensitive on',
      );
    } else if (scheme === 'digest') {
      const ha1 = (u: ProxyUser) =>
        crypto.createHash('md5').update(`${u.username}:${realm}:${u.password}`).digest('hex');
      // Squid 5 drops every backslash from a Digest user name before asking the helper, while the
      // client hashes the real name: key the file by the name squid asks for.
      const file = writePeerFile(
        dir,
        'digest.passwd',
        users.map((u) => `${squidDigestUser(u.username)}:${realm}:${ha1(u)}\n`).join(''),
      );
      lines.push(
        `auth_param digest program ${HELPERS}/digest_file_auth -c ${file}`,
        `auth_param digest realm ${realm}`,
      );
    } else if (scheme === 'ntlm') {
      lines.push(`auth_param ntlm program ${HELPERS}/ntlm_fake_auth`, 'auth_param ntlm keep_alive on');
    } else if (scheme === 'negotiate') {
      // Offered only: no Kerberos realm here, so a client must pick another scheme.
      lines.push(`auth_param negotiate program ${HELPERS}/negotiate_kerberos_auth -s GSS_C_NO_NAME`);
    }
    if (scheme === 'negotiate') lines.push('auth_param negotiate children 1 startup=0 idle=1');
    else if (scheme !== 'none') lines.push(`auth_param ${scheme} children 2 startup=1 idle=1`);
  }
  return lines;
}

/** The name squid 5 uses for a Digest user (in its helper query, ACLs and access log): backslashes removed. */
export function squidDigestUser(username: string): string {
  return username.replaceAll('\\', '');
}

function accessRules(dir: string, schemes: SquidAuthScheme[], users: ProxyUser[], connectPorts: number[]): string[] {
  const tunnels = connectPorts.length
    ? [`acl tunnel_ports port ${connectPorts.join(' ')}`, 'http_access deny CONNECT !tunnel_ports']
    : [];
  if (schemes.every((scheme) => scheme === 'none'))
    return [...tunnels, 'http_access allow localhost', 'http_access deny all'];
  // Basic and Digest helpers check the password; NTLM's fake helper accepts anyone, so name the users.
  const names = new Set(users.map((u) => u.username));
  if (schemes.includes('digest')) for (const u of users) names.add(squidDigestUser(u.username));
  const file = writePeerFile(dir, 'users.acl', [...names].map((name) => `${name}\n`).join(''));
  return [
    ...tunnels,
    `acl known_users proxy_auth "${file}"`,
    'http_access deny !localhost',
    // A deny rule that ends in a proxy_auth ACL answers 407 (a new challenge), not 403.
    'http_access deny !known_users',
    'http_access allow all',
  ];
}

function squidConf(dir: string, port: number, options: Required<SquidOptions>, runAs?: string): string {
  const schemes = ([] as SquidAuthScheme[]).concat(options.auth);
  return [
    `http_port 127.0.0.1:${port}`,
    `pid_filename ${path.join(dir, 'squid.pid')}`,
    `cache_log ${path.join(dir, 'cache.log')}`,
    `logformat ${LOG_FORMAT}`,
    `access_log stdio:${path.join(dir, 'access.log')} peers`,
    'cache_store_log none',
    `coredump_dir ${dir}`,
    'netdb_filename none',
    'cache deny all',
    'cache_mem 8 MB',
    'pinger_enable off',
    'shutdown_lifetime 0 seconds',
    'forwarded_for delete',
    'via off',
    ...(runAs ? [`cache_effective_user ${runAs}`] : []),
    ...authConfig(dir, schemes, options.users, options.realm),
    ...options.extraConfig,
    ...accessRules(dir, schemes, options.users, options.connectPorts),
    '',
  ].join('\n');
}

/** Parses squid's access log written in the `peers` format above. */
export function parseSquidAccessLog(text: string): SquidLogEntry[] {
  const entries: SquidLogEntry[] = [];
  for (const line of text.split('\n')) {
    const [time, client = '', method = '', url = '', status, result = '', user, sent = '-'] = line.split(' ');
    if (!user || url.startsWith('error:')) continue;
    entries.push({
      time: Number(time),
      client,
      method,
      url,
      status: Number(status),
      result,
      user: user === '-' ? undefined : decodeURIComponent(user),
      // Squid URL-encodes logged values; only the scheme of the Proxy-Authorization is kept.
      sent: decodeURIComponent(sent).split(' ')[0] || '-',
    });
  }
  return entries;
}

/** Starts squid on a free loopback port; resolves once it accepts connections. */
export async function startSquid(options: SquidOptions = {}): Promise<SquidProxy> {
  const binary = assertPeerInstalled('squid');
  const settings: Required<SquidOptions> = {
    auth: options.auth ?? 'none',
    users: options.users ?? DEFAULT_USERS,
    realm: options.realm ?? 'rest-connection-test',
    extraConfig: options.extraConfig ?? [],
    connectPorts: options.connectPorts ?? [],
  };
  return onFreePort(async (port) => {
    const dir = createPeerDir('squid');
    try {
      const owner = squidUser();
      const conf = writePeerFile(dir, 'squid.conf', squidConf(dir, port, settings, owner?.name), 0o644);
      if (owner) {
        for (const name of ['', ...fs.readdirSync(dir)]) fs.chownSync(path.join(dir, name), owner.uid, owner.gid);
      }
      const child = await startPeerProcess({
        name: 'squid',
        command: binary,
        args: ['-N', '-d', '1', '-f', conf],
        cwd: dir,
        port,
        readyOutput: /Accepting HTTP Socket connections/,
      });
      const logFile = path.join(dir, 'access.log');
      const accessLog = () => (fs.existsSync(logFile) ? parseSquidAccessLog(fs.readFileSync(logFile, 'utf8')) : []);
      const tunnels = (target?: string) =>
        accessLog().filter((e) => e.method === 'CONNECT' && e.status === 200 && (!target || e.url === target));
      return {
        url: `http://127.0.0.1:${port}`,
        port,
        schemes: ([] as SquidAuthScheme[])
          .concat(settings.auth)
          .filter((s): s is Exclude<SquidAuthScheme, 'none'> => s !== 'none'),
        realm: settings.realm,
        users: settings.users,
        dir,
        accessLog,
        tunnels,
        async waitForAccessLog(done, timeoutMs = 5000) {
          const deadline = Date.now() + timeoutMs;
          for (;;) {
            const entries = accessLog();
            if (done(entries)) return entries;
            if (Date.now() > deadline) {
              throw new Error(`squid's access log did not reach the expected state:\n${JSON.stringify(entries)}`);
            }
            await new Promise((resolve) => setTimeout(resolve, 25));
          }
        },
        async close() {
          // A graceful stop takes 1.5 s even with shutdown_lifetime 0; the access log is written
          // unbuffered and the auth helpers exit when their pipe closes, so SIGKILL loses nothing.
          await child.stop(0);
          removePeerDir(dir);
        },
      };
    } catch (err) {
      removePeerDir(dir);
      throw err;
    }
  });
}
