/**
 * A SHA-256 fingerprint of one or more texts: what the token store keeps instead of a token (or
 * a configuration) it only needs to recognise, never to send.
 */
import crypto from 'node:crypto';

export function fingerprint(...parts: (string | undefined)[]): string {
  return crypto
    .createHash('sha256')
    .update(parts.map((part) => part ?? '').join('\u0000'))
    .digest('hex');
}
