/**
 * HTTP Digest (RFC 7616): choosing the challenge to answer and computing the answer, for API
 * Digest auth (`WWW-Authenticate`) and proxy Digest auth (`Proxy-Authenticate`) alike. qop=auth
 * and the RFC 2069 form without qop; MD5, SHA-256 and SHA-512-256, each also as `-sess`.
 * auth-int (a hash of the body) is not offered.
 */
import crypto from 'node:crypto';
import { sameScheme, type Challenge } from '../challenges';

const HASHES: Record<string, string> = { MD5: 'md5', 'SHA-256': 'sha256', 'SHA-512-256': 'sha512-256' };
/** Stronger first, when a server offers several Digest challenges (RFC 7616 §3.7). */
const PREFERENCE = ['SHA-512-256', 'SHA-256', 'MD5'];

export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque?: string;
  /** As the server named it, e.g. `SHA-256-sess`. */
  algorithm: string;
  /** `auth`, or undefined for the RFC 2069 form. */
  qop?: 'auth';
  /** The server says the previous nonce expired: answer again with this one, same credentials. */
  stale: boolean;
  /** The user name is sent hashed (RFC 7616 §3.4.4). */
  userhash: boolean;
}

export interface DigestRequest {
  method: string;
  /** The request-target as sent: path and query for a server, `host:port` for CONNECT, the absolute URL for a forwarded request. */
  uri: string;
}

/** The strongest Digest challenge this code can answer, or undefined. */
export function digestChallengeFrom(challenges: Challenge[]): DigestChallenge | undefined {
  const usable = challenges
    .filter((challenge) => sameScheme(challenge, 'Digest'))
    .map(readChallenge)
    .filter((challenge): challenge is DigestChallenge => challenge !== undefined);
  const rank = (challenge: DigestChallenge) => PREFERENCE.indexOf(baseAlgorithm(challenge.algorithm));
  return usable.sort((a, b) => rank(a) - rank(b))[0];
}

/** The `Digest ...` credentials answering `challenge` for one request; `nc` counts uses of its nonce. */
export function digestAuthorization(
  challenge: DigestChallenge,
  user: string,
  password: string,
  request: DigestRequest,
  nc: number,
  cnonce?: string,
): string {
  cnonce ??= crypto.randomBytes(16).toString('hex');
  const hashName = HASHES[baseAlgorithm(challenge.algorithm)];
  // digestChallengeFrom only admits these algorithms.
  if (!hashName) throw new Error(`Digest algorithm ${challenge.algorithm} is not supported`);
  const hash = (text: string) => crypto.createHash(hashName).update(text, 'utf8').digest('hex');
  const count = nc.toString(16).padStart(8, '0');
  let ha1 = hash(`${user}:${challenge.realm}:${password}`);
  if (/-sess$/i.test(challenge.algorithm)) ha1 = hash(`${ha1}:${challenge.nonce}:${cnonce}`);
  const ha2 = hash(`${request.method}:${request.uri}`);
  const response = challenge.qop
    ? hash(`${ha1}:${challenge.nonce}:${count}:${cnonce}:${challenge.qop}:${ha2}`)
    : hash(`${ha1}:${challenge.nonce}:${ha2}`);

  const parts = [
    userParam(challenge, user, hash),
    `realm=${quote(challenge.realm)}`,
    `nonce=${quote(challenge.nonce)}`,
    `uri=${quote(request.uri)}`,
    `algorithm=${challenge.algorithm}`,
    `response="${response}"`,
  ];
  if (challenge.opaque !== undefined) parts.push(`opaque=${quote(challenge.opaque)}`);
  if (challenge.qop) parts.push(`qop=${challenge.qop}`, `nc=${count}`, `cnonce="${cnonce}"`);
  if (challenge.userhash) parts.push('userhash=true');
  return `Digest ${parts.join(', ')}`;
}

function readChallenge({ params }: Challenge): DigestChallenge | undefined {
  const algorithm = params.algorithm ?? 'MD5';
  if (!HASHES[baseAlgorithm(algorithm)] || params.realm === undefined || !params.nonce) return undefined;
  const qops = params.qop?.split(',').map((qop) => qop.trim().toLowerCase());
  if (qops && !qops.includes('auth')) return undefined;
  return {
    realm: params.realm,
    nonce: params.nonce,
    opaque: params.opaque,
    algorithm,
    qop: qops ? 'auth' : undefined,
    stale: params.stale?.toLowerCase() === 'true',
    userhash: params.userhash?.toLowerCase() === 'true',
  };
}

function baseAlgorithm(algorithm: string): string {
  return algorithm.toUpperCase().replace(/-SESS$/, '');
}

/** `username="..."`, hashed when asked, or `username*=UTF-8''...` for a name outside ASCII (§3.4.4). */
function userParam(challenge: DigestChallenge, user: string, hash: (text: string) => string): string {
  if (challenge.userhash) return `username="${hash(`${user}:${challenge.realm}`)}"`;
  if (/^[\x20-\x7e]*$/.test(user)) return `username=${quote(user)}`;
  return `username*=UTF-8''${encodeURIComponent(user).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

function quote(text: string): string {
  return `"${text.replace(/["\\]/g, '\\$&')}"`;
}
