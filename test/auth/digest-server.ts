/**
 * A loopback API that demands HTTP Digest (RFC 7616) and checks every answer itself, from the
 * user's known password: its own parsing and hashing, not the package's. It issues nonces,
 * refuses a nonce count used twice (a replay), can expire its nonces (then answers `stale=true`),
 * and counts what happened on the wire so tests can assert round trips.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type DigestAlgorithm = 'MD5' | 'SHA-256' | 'MD5-sess' | 'SHA-256-sess';

export interface DigestServerOptions {
  algorithm: DigestAlgorithm;
  user: string;
  password: string;
  realm?: string;
}

export interface DigestServer {
  url: string;
  /** 401s with a fresh challenge (stale ones included). */
  challenges: number;
  /** 401s that said stale=true. */
  staleChallenges: number;
  /** Requests answered 200, with the nc each used. */
  accepted: { method: string; uri: string; nonce: string; nc: number; body: string }[];
  /** Answers that carried Digest credentials and were wrong. */
  refused: number;
  /** Every request, in arrival order. */
  requests: number;
  /** Paths (with query) whose next correctly answered request gets a 503, its nc counted as used. */
  unavailableOnce: Set<string>;
  /** From now on, the nonces issued so far are stale. */
  expireNonces(): void;
  close(): Promise<void>;
}

const HASH: Record<string, string> = { MD5: 'md5', 'SHA-256': 'sha256' };

/** `name=value` or `name="value"` pairs of an Authorization header (after the scheme). */
function parseParams(header: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [, name = '', quoted, bare] of header.matchAll(/([a-z*]+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]+))/gi)) {
    params[name.toLowerCase()] = quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : (bare ?? '');
  }
  return params;
}

export async function startDigestServer(options: DigestServerOptions): Promise<DigestServer> {
  const realm = options.realm ?? 'api@loopback';
  const hashName = HASH[options.algorithm.replace(/-sess$/, '')] as string;
  const hash = (text: string) => crypto.createHash(hashName).update(text).digest('hex');
  /** nonce → the nc values used with it; an expired nonce is gone from `live`. */
  const live = new Map<string, Set<number>>();
  const expired = new Set<string>();
  const opaque = crypto.randomBytes(8).toString('hex');

  const state: DigestServer = {
    url: '',
    challenges: 0,
    staleChallenges: 0,
    accepted: [],
    refused: 0,
    requests: 0,
    unavailableOnce: new Set(),
    expireNonces() {
      for (const nonce of live.keys()) expired.add(nonce);
      live.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };

  function challenge(res: http.ServerResponse, stale: boolean) {
    const nonce = crypto.randomBytes(16).toString('base64');
    live.set(nonce, new Set());
    state.challenges += 1;
    if (stale) state.staleChallenges += 1;
    const params = [
      `realm="${realm}"`,
      'qop="auth"',
      `algorithm=${options.algorithm}`,
      `nonce="${nonce}"`,
      `opaque="${opaque}"`,
      ...(stale ? ['stale=true'] : []),
    ];
    res.writeHead(401, { 'www-authenticate': `Digest ${params.join(', ')}`, 'content-type': 'text/plain' });
    res.end('authentication required');
  }

  /** True when the answer is right for this user, password, method and nonce count. */
  function verify(req: http.IncomingMessage, params: Record<string, string>, nc: number): boolean {
    if (params.username !== options.user || params.realm !== realm || params.opaque !== opaque) return false;
    if (params.qop !== 'auth' || params.uri !== req.url || params.algorithm !== options.algorithm) return false;
    let ha1 = hash(`${options.user}:${realm}:${options.password}`);
    if (options.algorithm.endsWith('-sess')) ha1 = hash(`${ha1}:${params.nonce}:${params.cnonce}`);
    const ha2 = hash(`${req.method}:${params.uri}`);
    const expected = hash(`${ha1}:${params.nonce}:${params.nc}:${params.cnonce}:auth:${ha2}`);
    return params.response === expected && /^[0-9a-f]{8}$/.test(params.nc ?? '') && nc > 0;
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      state.requests += 1;
      const header = req.headers.authorization ?? '';
      if (!/^Digest /i.test(header)) return challenge(res, false);
      const params = parseParams(header.slice(7));
      const nonce = params.nonce ?? '';
      if (expired.has(nonce)) return challenge(res, true);
      const used = live.get(nonce);
      const nc = parseInt(params.nc ?? '', 16);
      if (!used || used.has(nc) || !verify(req, params, nc)) {
        state.refused += 1;
        return challenge(res, false);
      }
      used.add(nc);
      if (state.unavailableOnce.delete(req.url ?? '')) {
        res.writeHead(503, { 'content-type': 'text/plain' }).end('try again');
        return;
      }
      const body = Buffer.concat(chunks).toString('utf8');
      state.accepted.push({ method: req.method ?? '', uri: req.url ?? '', nonce, nc, body });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ user: params.username, nc, body }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}
