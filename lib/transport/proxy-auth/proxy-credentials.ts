/**
 * A proxy user's credentials and the answers built from them. The password lives in a private
 * field: an endpoint is reachable from errors (through agents), and util.inspect never shows
 * private fields.
 */
import type { NtlmCredentials } from '../ntlm/messages';
import { ntHash } from '../ntlm/ntlmv2';
import type { DigestRequest } from '../../auth/digest/digest';
import type { DigestNonce } from '../../auth/digest/digest-nonce';

export class ProxyCredentials {
  readonly #password: string;
  #ntHash?: Buffer;

  /**
   * @param user as configured: `user`, `DOMAIN\user` or `user@domain`
   * @param domain proxyDomain: the NTLM domain, and the `DOMAIN\` prefix for Basic and Digest
   */
  constructor(
    private readonly user: string,
    password: string,
    private readonly domain: string,
  ) {
    this.#password = password;
  }

  /** The user name Basic and Digest send: `DOMAIN\user` when proxyDomain is set and the user names no domain. */
  get qualifiedUser(): string {
    return this.domain && !this.user.includes('\\') ? `${this.domain}\\${this.user}` : this.user;
  }

  basic(): string {
    return `Basic ${this.basicToken()}`;
  }

  /** The next answer with this nonce. */
  digest(nonce: DigestNonce, request: DigestRequest): string {
    return nonce.answer(this.qualifiedUser, this.#password, request);
  }

  /** User and domain for NTLM: `DOMAIN\user` is split; otherwise proxyDomain is the domain. */
  ntlm(): NtlmCredentials {
    this.#ntHash ??= ntHash(this.#password);
    const slash = this.user.indexOf('\\');
    return slash >= 0
      ? { domain: this.user.slice(0, slash), user: this.user.slice(slash + 1), ntHash: this.#ntHash }
      : { domain: this.domain, user: this.user, ntHash: this.#ntHash };
  }

  /** The password and the Basic token that carries it: for redaction. */
  secrets(): string[] {
    return [this.#password, this.basicToken()];
  }

  private basicToken(): string {
    return Buffer.from(`${this.qualifiedUser}:${this.#password}`).toString('base64');
  }
}
