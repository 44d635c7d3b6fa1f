/**
 * The encrypted form of a connection's tokens, byte for byte the one the local token store
 * writes (lib/oauth2/token-store.ts): AES-256-GCM under SHA-256 of Node-RED's credential
 * secret, a fresh 12-byte IV per write, `{version, iv, tag, data}` as JSON. The shared store
 * keeps exactly this text in Redis, so Redis never holds a token in clear.
 */
import crypto from 'node:crypto';
import type { StoredTokens } from '../oauth2/token-store';

const FORMAT_VERSION = 1;

interface Envelope {
  version: number;
  iv: string;
  tag: string;
  data: string;
}

/** The key Node-RED derives from the credential secret for flows_cred.json. */
export function tokenKey(secret: string): Buffer {
  return crypto.createHash('sha256').update(secret).digest();
}

export function sealTokens(key: Buffer, tokens: StoredTokens): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(JSON.stringify(tokens), 'utf8'), cipher.final()]);
  const envelope: Envelope = {
    version: FORMAT_VERSION,
    iv: iv.toString('hex'),
    tag: cipher.getAuthTag().toString('hex'),
    data: data.toString('base64'),
  };
  return JSON.stringify(envelope);
}

/** The tokens; undefined for another format version. Throws when the text was sealed under another secret or altered. */
export function openTokens(key: Buffer, text: string): StoredTokens | undefined {
  const envelope = JSON.parse(text) as Envelope;
  if (envelope.version !== FORMAT_VERSION) return undefined;
  const decipher = crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(envelope.iv, 'hex'));
  decipher.setAuthTag(Buffer.from(envelope.tag, 'hex'));
  const plain = Buffer.concat([decipher.update(Buffer.from(envelope.data, 'base64')), decipher.final()]);
  return JSON.parse(plain.toString('utf8')) as StoredTokens;
}

/**
 * What the shared store keeps of a refresh token once it was used: an HMAC under the token key,
 * so the list of used tokens says nothing about them to whoever reads Redis.
 */
export function refreshTokenFingerprint(key: Buffer, refreshToken: string): string {
  return crypto.createHmac('sha256', key).update(`refresh-token\u0000${refreshToken}`).digest('hex');
}
