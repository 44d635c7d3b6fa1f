/**
 * The three NTLM messages on the wire (MS-NLMP 2.2.1): NEGOTIATE (type 1) opens the
 * handshake, the server's CHALLENGE (type 2) is parsed, AUTHENTICATE (type 3) answers it with
 * NTLMv2 responses. No signing, sealing or session key: HTTP authentication needs none.
 */
import crypto from 'node:crypto';
import { fileTimeNow, ntlmv2Responses } from './ntlmv2';

const SIGNATURE = Buffer.from('NTLMSSP\0', 'latin1');

/** NegotiateFlags bits used here (MS-NLMP 2.2.2.5). */
export const NTLM_FLAGS = {
  UNICODE: 0x00000001,
  OEM: 0x00000002,
  REQUEST_TARGET: 0x00000004,
  NTLM: 0x00000200,
  ALWAYS_SIGN: 0x00008000,
  EXTENDED_SESSION_SECURITY: 0x00080000,
  TARGET_INFO: 0x00800000,
} as const;

/** MsvAvTimestamp: the server's clock, which the NTLMv2 response must then use. */
const AV_TIMESTAMP = 7;
const AV_EOL = 0;

const NEGOTIATE_FLAGS =
  NTLM_FLAGS.UNICODE |
  NTLM_FLAGS.OEM |
  NTLM_FLAGS.REQUEST_TARGET |
  NTLM_FLAGS.NTLM |
  NTLM_FLAGS.ALWAYS_SIGN |
  NTLM_FLAGS.EXTENDED_SESSION_SECURITY;

/** A CHALLENGE message that cannot be read. */
export class NtlmMessageError extends Error {
  override name = 'NtlmMessageError';
}

export interface ChallengeMessage {
  flags: number;
  serverChallenge: Buffer;
  /** AV pairs, as received (empty when the server sent none). */
  targetInfo: Buffer;
  /** MsvAvTimestamp from targetInfo, when present. */
  timestamp?: Buffer;
}

export interface NtlmCredentials {
  user: string;
  domain: string;
  /** NT hash of the password (the password itself is not needed). */
  ntHash: Buffer;
}

/** The NEGOTIATE message: no domain or workstation is sent, the server names its target. */
export function negotiateMessage(): Buffer {
  const message = Buffer.alloc(32);
  SIGNATURE.copy(message);
  message.writeUInt32LE(1, 8);
  message.writeUInt32LE(NEGOTIATE_FLAGS, 12);
  return message;
}

export function parseChallengeMessage(message: Buffer): ChallengeMessage {
  if (message.length < 32 || !message.subarray(0, 8).equals(SIGNATURE) || message.readUInt32LE(8) !== 2) {
    throw new NtlmMessageError('not an NTLM CHALLENGE message');
  }
  const flags = message.readUInt32LE(20);
  const serverChallenge = Buffer.from(message.subarray(24, 32));
  let targetInfo = Buffer.alloc(0);
  if (flags & NTLM_FLAGS.TARGET_INFO && message.length >= 48) {
    const length = message.readUInt16LE(40);
    const offset = message.readUInt32LE(44);
    if (offset + length > message.length) throw new NtlmMessageError('TargetInfo lies outside the message');
    targetInfo = Buffer.from(message.subarray(offset, offset + length));
  }
  return { flags, serverChallenge, targetInfo, timestamp: avPair(targetInfo, AV_TIMESTAMP) };
}

/**
 * The AUTHENTICATE message answering `challenge`. Strings are UTF-16LE when the server
 * accepts Unicode (every Windows server does), OEM (Latin-1 here) otherwise.
 */
export function authenticateMessage(
  challenge: ChallengeMessage,
  credentials: NtlmCredentials,
  clientChallenge: Buffer = crypto.randomBytes(8),
): Buffer {
  const unicode = (challenge.flags & NTLM_FLAGS.UNICODE) !== 0;
  const encode = (text: string) => Buffer.from(text, unicode ? 'utf16le' : 'latin1');
  const { lmResponse, ntResponse } = ntlmv2Responses({
    ntHash: credentials.ntHash,
    user: credentials.user,
    domain: credentials.domain,
    serverChallenge: challenge.serverChallenge,
    targetInfo: challenge.targetInfo,
    clientChallenge,
    time: challenge.timestamp ?? fileTimeNow(),
    serverSentTime: challenge.timestamp !== undefined,
  });
  const flags =
    (unicode ? NTLM_FLAGS.UNICODE : NTLM_FLAGS.OEM) |
    NTLM_FLAGS.REQUEST_TARGET |
    NTLM_FLAGS.NTLM |
    NTLM_FLAGS.ALWAYS_SIGN |
    (challenge.flags & (NTLM_FLAGS.EXTENDED_SESSION_SECURITY | NTLM_FLAGS.TARGET_INFO));

  // Header: signature, type, then six (length, max length, offset) fields and the flags; the payload follows.
  const fields = [lmResponse, ntResponse, encode(credentials.domain), encode(credentials.user), Buffer.alloc(0)];
  const header = Buffer.alloc(64);
  SIGNATURE.copy(header);
  header.writeUInt32LE(3, 8);
  let offset = header.length;
  fields.forEach((field, i) => {
    writeField(header, 12 + i * 8, field.length, offset);
    offset += field.length;
  });
  writeField(header, 52, 0, offset); // EncryptedRandomSessionKey: none
  header.writeUInt32LE(flags >>> 0, 60);
  return Buffer.concat([header, ...fields]);
}

function writeField(header: Buffer, at: number, length: number, offset: number): void {
  header.writeUInt16LE(length, at);
  header.writeUInt16LE(length, at + 2);
  header.writeUInt32LE(offset, at + 4);
}

/** The value of the AV pair `id` in a TargetInfo list, or undefined. */
function avPair(targetInfo: Buffer, id: number): Buffer | undefined {
  for (let at = 0; at + 4 <= targetInfo.length;) {
    const avId = targetInfo.readUInt16LE(at);
    const length = targetInfo.readUInt16LE(at + 2);
    if (avId === AV_EOL || at + 4 + length > targetInfo.length) return undefined;
    if (avId === id) return Buffer.from(targetInfo.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  return undefined;
}
