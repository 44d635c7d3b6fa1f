/**
 * The NTLMv2 responses of an AUTHENTICATE message (MS-NLMP 3.3.2): a keyed MD5 proof over the
 * server's challenge, a client challenge, a timestamp and the server's target information.
 * NTLMv1 and LM are not offered: Windows refuses them by default since Vista, and they are
 * weak enough that no proxy should be answered with them.
 */
import crypto from 'node:crypto';
import { md4 } from './md4';

/** 100-ns intervals between 1601-01-01 (Windows FILETIME epoch) and 1970-01-01. */
const FILETIME_UNIX_EPOCH = 116444736000000000n;

export interface Ntlmv2Input {
  /** NT hash of the password: MD4 of its UTF-16LE bytes. */
  ntHash: Buffer;
  user: string;
  domain: string;
  serverChallenge: Buffer;
  /** The CHALLENGE message's TargetInfo (AV pairs), as received. */
  targetInfo: Buffer;
  /** 8 random bytes. */
  clientChallenge: Buffer;
  /** FILETIME (8 bytes, little endian): the server's MsvAvTimestamp when it sent one, else now. */
  time: Buffer;
  /** With a server timestamp the LMv2 response is left empty (zeros), as the spec says. */
  serverSentTime: boolean;
}

export interface Ntlmv2Responses {
  lmResponse: Buffer;
  ntResponse: Buffer;
}

export function ntHash(password: string): Buffer {
  return md4(Buffer.from(password, 'utf16le'));
}

/** NTOWFv2: HMAC-MD5 keyed with the NT hash over UPPERCASE(user) + domain, in UTF-16LE. */
export function ntowfv2(hash: Buffer, user: string, domain: string): Buffer {
  return hmacMd5(hash, Buffer.from(user.toUpperCase() + domain, 'utf16le'));
}

export function ntlmv2Responses(input: Ntlmv2Input): Ntlmv2Responses {
  const key = ntowfv2(input.ntHash, input.user, input.domain);
  const temp = Buffer.concat([
    Buffer.from([1, 1, 0, 0, 0, 0, 0, 0]),
    input.time,
    input.clientChallenge,
    Buffer.alloc(4),
    input.targetInfo,
    Buffer.alloc(4),
  ]);
  const ntProof = hmacMd5(key, Buffer.concat([input.serverChallenge, temp]));
  const lmResponse = input.serverSentTime
    ? Buffer.alloc(24)
    : Buffer.concat([
        hmacMd5(key, Buffer.concat([input.serverChallenge, input.clientChallenge])),
        input.clientChallenge,
      ]);
  return { lmResponse, ntResponse: Buffer.concat([ntProof, temp]) };
}

/** The current time as a Windows FILETIME. */
export function fileTimeNow(now = Date.now()): Buffer {
  const time = Buffer.alloc(8);
  time.writeBigUInt64LE(BigInt(now) * 10000n + FILETIME_UNIX_EPOCH);
  return time;
}

function hmacMd5(key: Buffer, data: Buffer): Buffer {
  return crypto.createHmac('md5', key).update(data).digest();
}
