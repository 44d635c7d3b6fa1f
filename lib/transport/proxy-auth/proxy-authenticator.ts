/**
 * Proxy authentication of one proxy endpoint: which scheme answers the proxy, and the
 * `Proxy-Authorization` of each step of a handshake on one connection. With `auto` the first
 * connection goes without credentials and the proxy's 407 says which scheme it wants, so a
 * password is never sent in Basic to a proxy that did not ask for Basic; the scheme is then
 * remembered for every later connection. Preference when a proxy offers several:
 * NTLM > Digest > Basic (the password never crosses the wire with the first two, and a Windows
 * proxy that offers Digest next to NTLM often cannot check Digest for domain accounts).
 * Digest nonces are reused with a growing nonce count until the proxy says `stale=true`.
 */
import type { ProxyAuthScheme } from '../../types';
import { NtlmMessageError, authenticateMessage, negotiateMessage, parseChallengeMessage } from '../ntlm/messages';
import { offers, parseChallenges, sameScheme, schemeNames, type Challenge } from '../../auth/challenges';
import { digestChallengeFrom, type DigestChallenge, type DigestRequest } from '../../auth/digest/digest';
import { DigestNonce } from '../../auth/digest/digest-nonce';
import type { ProxyCredentials } from './proxy-credentials';

export type { ProxyAuthScheme };
export type AnswerableScheme = Exclude<ProxyAuthScheme, 'auto'>;

export const PROXY_AUTH_SCHEMES: readonly ProxyAuthScheme[] = ['auto', 'basic', 'digest', 'ntlm'];
const PREFERENCE: readonly AnswerableScheme[] = ['ntlm', 'digest', 'basic'];
/** A nonce that goes stale again and again is not worth more attempts on one connection. */
const MAX_STALE_RETRIES = 2;

export type ProxyAuthFailureKind =
  /** Credentials in the proxy's own scheme were sent, and it still answered 407. */
  | 'refused'
  /** The proxy wants credentials and none are configured. */
  | 'credentials-needed'
  /** proxyAuthScheme names a scheme the proxy does not offer. */
  | 'scheme-not-offered'
  /** The proxy offers only schemes this code cannot answer (e.g. Negotiate/Kerberos). */
  | 'unsupported'
  /** The proxy closed the connection between its NTLM challenge and our answer. */
  | 'ntlm-connection-closed'
  /** The proxy's NTLM challenge could not be read. */
  | 'ntlm-challenge-unreadable';

export interface ProxyAuthFailure {
  kind: ProxyAuthFailureKind;
  /** Schemes the proxy asked for, as it named them. */
  offered: string[];
  /** The scheme that was answered (refused) or configured. */
  scheme?: AnswerableScheme;
  configured: ProxyAuthScheme;
}

/** A handshake that cannot succeed; carries no secret. */
export class ProxyAuthError extends Error {
  override name = 'ProxyAuthError';
  readonly statusCode = 407;

  constructor(readonly failure: ProxyAuthFailure) {
    super(`Proxy authentication failed: ${failure.kind}`);
  }
}

/** One request of a handshake: the scheme it answers and its Proxy-Authorization. */
export interface ProxyAuthStep {
  scheme?: AnswerableScheme;
  authorization?: string;
  /** An NTLM NEGOTIATE, or no credentials yet: the proxy's answer is a challenge, not a verdict. */
  negotiating: boolean;
  /** The next step must go on the same connection (NTLM AUTHENTICATE answers that connection's challenge). */
  sameConnection: boolean;
  staleRetries: number;
}

export class ProxyAuthenticator {
  /** auto: the scheme the proxy asked for, or 'none' when it let a request through without credentials. */
  private learned?: AnswerableScheme | 'none';
  private digest?: DigestNonce;

  constructor(
    readonly configured: ProxyAuthScheme,
    private readonly credentials?: ProxyCredentials,
  ) {}

  get hasCredentials(): boolean {
    return this.credentials !== undefined;
  }

  /** The first step on a fresh connection. */
  begin(request: DigestRequest): ProxyAuthStep {
    return this.open(this.inForce(), request, 0);
  }

  /**
   * The step after a 407 with these challenges. Throws ProxyAuthError when the handshake
   * cannot succeed.
   */
  next(previous: ProxyAuthStep, challenges: Challenge[], request: DigestRequest): ProxyAuthStep {
    if (!this.credentials) throw this.failure('credentials-needed', challenges);
    if (previous.scheme === 'ntlm' && previous.negotiating && offers(challenges, 'NTLM')) {
      return this.answerNtlm(challenges);
    }
    if (previous.scheme === 'digest' && previous.authorization) {
      const fresh = digestChallengeFrom(challenges);
      if (fresh?.stale && previous.staleRetries < MAX_STALE_RETRIES) {
        this.digest = new DigestNonce(fresh);
        return this.open('digest', request, previous.staleRetries + 1);
      }
    }
    if (previous.scheme && previous.authorization && offers(challenges, previous.scheme)) {
      if (previous.scheme === 'digest') this.digest = undefined;
      throw this.failure('refused', challenges, previous.scheme);
    }
    // Nothing sent yet, or the proxy asks for another scheme than the one answered.
    const chosen = this.choose(challenges);
    if (this.configured === 'auto') this.learned = chosen;
    if (chosen === 'digest') this.digest = new DigestNonce(digestChallengeFrom(challenges) as DigestChallenge);
    return this.open(chosen, request, 0);
  }

  /**
   * The proxy let a request through (`passed`: a tunnel opened, or a forwarded request was not
   * refused): with auto and no credentials sent, it needs none. Any other answer (e.g. CONNECT
   * refused for a port before authentication) says nothing about authentication.
   */
  settled(step: ProxyAuthStep, passed: boolean): void {
    if (passed && this.configured === 'auto' && this.learned === undefined && !step.authorization)
      this.learned = 'none';
  }

  /**
   * A forwarded (absolute-form) request needs a handshake on its new connection first: for
   * NTLM, and to learn the scheme or a Digest nonce. Basic and a known Digest nonce need none.
   */
  needsHandshake(): boolean {
    if (!this.credentials) return false;
    const scheme = this.inForce();
    return scheme === undefined || scheme === 'ntlm' || (scheme === 'digest' && !this.digest);
  }

  /**
   * Proxy-Authorization of a request forwarded on an already authenticated connection: Basic
   * and Digest go with every request, NTLM authenticated the connection itself.
   */
  authorizationFor(request: DigestRequest): string | undefined {
    const scheme = this.inForce();
    return scheme === 'basic' || scheme === 'digest' ? this.open(scheme, request, 0).authorization : undefined;
  }

  /**
   * A forwarded request was answered 407. True when sending it again can succeed: its Digest
   * nonce went stale, or (auto) the proxy now asks for Basic or Digest instead.
   */
  renew(headers: string | string[] | undefined): boolean {
    if (!this.credentials) return false;
    const challenges = parseChallenges(headers);
    const digest = digestChallengeFrom(challenges);
    const scheme = this.inForce();
    if (scheme === 'digest' && digest?.stale) {
      this.digest = new DigestNonce(digest);
      return true;
    }
    if (this.configured !== 'auto' || (scheme && scheme !== 'none' && offers(challenges, scheme))) return false;
    const chosen = PREFERENCE.find((candidate) => this.canAnswer(candidate, challenges));
    if (chosen !== 'basic' && chosen !== 'digest') return false;
    this.learned = chosen;
    if (digest) this.digest = new DigestNonce(digest);
    return true;
  }

  /** Why a forwarded request's 407 with these headers failed, for the error message. */
  failureFor(headers: string | string[] | undefined): ProxyAuthFailure {
    const challenges = parseChallenges(headers);
    if (!this.credentials) return this.failure('credentials-needed', challenges).failure;
    const scheme = this.inForce();
    if (scheme && scheme !== 'none' && offers(challenges, scheme))
      return this.failure('refused', challenges, scheme).failure;
    try {
      this.choose(challenges);
      return this.failure('refused', challenges, scheme === 'none' ? undefined : scheme).failure;
    } catch (err) {
      return (err as ProxyAuthError).failure;
    }
  }

  secrets(): string[] {
    return this.credentials?.secrets() ?? [];
  }

  private inForce(): AnswerableScheme | 'none' | undefined {
    return this.configured === 'auto' ? this.learned : this.configured;
  }

  private open(
    scheme: AnswerableScheme | 'none' | undefined,
    request: DigestRequest,
    staleRetries: number,
  ): ProxyAuthStep {
    const step = {
      scheme: scheme === 'none' ? undefined : scheme,
      negotiating: false,
      sameConnection: false,
      staleRetries,
    };
    if (!this.credentials || !step.scheme) return { ...step, negotiating: scheme !== 'none' && !!this.credentials };
    switch (step.scheme) {
      case 'basic':
        return { ...step, authorization: this.credentials.basic() };
      case 'ntlm':
        return { ...step, authorization: `NTLM ${negotiateMessage().toString('base64')}`, negotiating: true };
      case 'digest': {
        if (!this.digest) return { ...step, negotiating: true };
        return { ...step, authorization: this.credentials.digest(this.digest, request) };
      }
    }
  }

  private answerNtlm(challenges: Challenge[]): ProxyAuthStep {
    const message = challenges.find((challenge) => sameScheme(challenge, 'NTLM') && challenge.token)?.token;
    // A bare `NTLM` in answer to our NEGOTIATE: the proxy will not go on with this client.
    if (!message) throw this.failure('refused', challenges, 'ntlm');
    let answer: Buffer;
    try {
      const challenge = parseChallengeMessage(Buffer.from(message, 'base64'));
      answer = authenticateMessage(challenge, (this.credentials as ProxyCredentials).ntlm());
    } catch (err) {
      if (err instanceof NtlmMessageError) throw this.failure('ntlm-challenge-unreadable', challenges, 'ntlm');
      throw err;
    }
    return {
      scheme: 'ntlm',
      authorization: `NTLM ${answer.toString('base64')}`,
      negotiating: false,
      sameConnection: true,
      staleRetries: 0,
    };
  }

  /** The scheme to answer these challenges with; throws when there is none. */
  private choose(challenges: Challenge[]): AnswerableScheme {
    if (this.configured !== 'auto') {
      if (this.canAnswer(this.configured, challenges)) return this.configured;
      throw this.failure(offers(challenges, this.configured) ? 'unsupported' : 'scheme-not-offered', challenges);
    }
    const chosen = PREFERENCE.find((scheme) => this.canAnswer(scheme, challenges));
    if (!chosen) throw this.failure('unsupported', challenges);
    return chosen;
  }

  private canAnswer(scheme: AnswerableScheme, challenges: Challenge[]): boolean {
    return scheme === 'digest' ? digestChallengeFrom(challenges) !== undefined : offers(challenges, scheme);
  }

  private failure(kind: ProxyAuthFailureKind, challenges: Challenge[], scheme?: AnswerableScheme): ProxyAuthError {
    return new ProxyAuthError({
      kind,
      offered: schemeNames(challenges),
      scheme: scheme ?? (this.configured === 'auto' ? undefined : this.configured),
      configured: this.configured,
    });
  }
}
