/**
 * One Digest nonce in use: the challenge that issued it and the nonce count of its uses. API
 * and proxy Digest auth both answer many requests with one nonce (RFC 7616 §3.4: `nc` grows by
 * one per request), so a flow pays the challenge round trip once, not once per request. The
 * count is taken synchronously, so concurrent requests never share an `nc`.
 */
import crypto from 'node:crypto';
import { digestAuthorization, type DigestChallenge, type DigestRequest } from './digest';

export class DigestNonce {
  private uses = 0;
  /** A `-sess` A1 is fixed by the first cnonce answering the nonce (§3.4.2): kept for all its uses. */
  private readonly sessionCnonce?: string;

  constructor(readonly challenge: DigestChallenge) {
    if (/-sess$/i.test(challenge.algorithm)) this.sessionCnonce = crypto.randomBytes(16).toString('hex');
  }

  get nonce(): string {
    return this.challenge.nonce;
  }

  /** The `Digest ...` credentials of the next request with this nonce. */
  answer(user: string, password: string, request: DigestRequest): string {
    this.uses += 1;
    return digestAuthorization(this.challenge, user, password, request, this.uses, this.sessionCnonce);
  }
}
