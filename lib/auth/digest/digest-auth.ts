/**
 * HTTP Digest authentication of API requests (RFC 7616, `authType: digest`). The first request
 * goes without credentials and fetches the server's challenge; every later request answers that
 * nonce with a growing nonce count, so a flow pays the extra round trip once per connection.
 * Requests that start while the first one waits for its challenge wait too, so twenty messages
 * at once still cost one challenge. A `stale=true` challenge replaces the nonce and the request
 * is answered once more; any other 401 to credentials sent with the current nonce is a refusal.
 */
import { RestError } from '../../errors';
import type { ConnectionCredentials } from '../../types';
import { parseChallenges } from '../challenges';
import type { AuthStrategy, OutgoingRequest, RejectedResponse } from '../strategy';
import { digestChallengeFrom } from './digest';
import { DigestNonce } from './digest-nonce';

interface Probe {
  request: OutgoingRequest;
  answered: Promise<void>;
  release: () => void;
}

export class DigestAuth implements AuthStrategy {
  readonly credentialHeaders: readonly string[] = ['authorization'];
  readonly credentialQueryParams: readonly string[] = [];
  readonly #user: string;
  readonly #password: string;
  private current?: DigestNonce;
  /** The request fetching the first challenge, while it is under way. */
  private probe?: Probe;
  /** The nonce each request was answered with (none: sent without credentials). */
  private readonly answeredWith = new WeakMap<OutgoingRequest, DigestNonce>();

  constructor(credentials: ConnectionCredentials) {
    if (!credentials.username) throw new RestError('ERR_CONFIG', 'Digest authentication needs a username.');
    this.#user = credentials.username;
    this.#password = credentials.password ?? '';
  }

  async apply(request: OutgoingRequest): Promise<void> {
    if (!this.current && this.probe) await this.probe.answered;
    if (!this.current) {
      let release = () => {};
      const answered = new Promise<void>((resolve) => (release = resolve));
      this.probe = { request, answered, release };
      return;
    }
    this.answer(request, this.current);
  }

  private answer(request: OutgoingRequest, nonce: DigestNonce): void {
    this.answeredWith.set(request, nonce);
    request.headers['authorization'] = nonce.answer(this.#user, this.#password, {
      method: request.method ?? 'GET',
      uri: `${request.url.pathname}${request.url.search}`,
    });
  }

  retrying(request: OutgoingRequest): void {
    // Answered with a nonce: the retry takes the next nc of the nonce in use now.
    if (this.answeredWith.has(request) && this.current) this.answer(request, this.current);
  }

  renew(rejected: RejectedResponse): Promise<boolean> {
    if (rejected.statusCode !== 401) return Promise.resolve(false);
    const challenge = digestChallengeFrom(parseChallenges(rejected.headers?.['www-authenticate']));
    // No Digest challenge this code can answer: the 401 stands.
    if (!challenge) return Promise.resolve(false);
    const used = rejected.request && this.answeredWith.get(rejected.request);
    let retry: boolean;
    if (used === undefined) {
      // Sent without credentials: answer the challenge (or a nonce another request got meanwhile).
      this.current ??= new DigestNonce(challenge);
      retry = true;
    } else if (used !== this.current) {
      // Another request has replaced that nonce already: answer with the one in use now.
      retry = this.current !== undefined;
    } else if (challenge.stale) {
      this.current = new DigestNonce(challenge);
      retry = true;
    } else {
      // The server refused credentials made with its own valid nonce: the password is wrong.
      retry = false;
    }
    if (rejected.request) this.settled(rejected.request);
    return Promise.resolve(retry);
  }

  settled(request: OutgoingRequest): void {
    if (this.probe?.request !== request) return;
    this.probe.release();
    this.probe = undefined;
  }
}

export function createDigestAuth(credentials: ConnectionCredentials): AuthStrategy {
  return new DigestAuth(credentials);
}
