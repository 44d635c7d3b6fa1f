/**
 * Which refresh tokens are the connection's own. Every refresh token the connection obtains is
 * also written to Node-RED's in-memory credentials, and any deploy saves those to
 * flows_cred.json, also one ("Modified Flows", "Modified Nodes") that leaves the connection
 * running, so its token then rotates while the file keeps the old one. At the next start that
 * deployed token is one the connection obtained and already exchanged, not a new one the user
 * entered: sending it again is a reused refresh token, for which providers with rotation revoke
 * the whole grant. Only fingerprints are kept (in the encrypted token store), never the tokens.
 */
import { fingerprint } from './fingerprint';

/**
 * Refresh tokens remembered, newest first. Only a token saved by a deploy can come back, and
 * the one Node-RED saved last is remembered apart (savedRefreshTokenHash), however many
 * rotations ago; the list covers deploys the node layer did not report.
 */
const MAX_REMEMBERED = 500;

/** What the token store keeps of them. */
export interface OwnRefreshTokenFingerprints {
  /** Fingerprints of the refresh tokens the token endpoint issued to this connection, newest first. */
  obtainedRefreshTokenHashes?: string[];
  /** Fingerprint of the refresh token Node-RED's credentials held when it last saved them. */
  savedRefreshTokenHash?: string;
}

export class OwnRefreshTokens {
  private readonly obtained: string[];
  private saved?: string;

  constructor(stored: OwnRefreshTokenFingerprints = {}) {
    this.obtained = (stored.obtainedRefreshTokenHashes ?? []).slice(0, MAX_REMEMBERED);
    this.saved = stored.savedRefreshTokenHash;
  }

  /** A refresh token the token endpoint has just issued. */
  add(token: string): void {
    const hash = fingerprintOf(token);
    if (this.obtained[0] === hash) return;
    this.obtained.unshift(hash);
    if (this.obtained.length > MAX_REMEMBERED) this.obtained.length = MAX_REMEMBERED;
  }

  /** Node-RED has saved its credentials, holding this refresh token; true when that is news. */
  markSaved(token: string | undefined): boolean {
    const hash = token ? fingerprintOf(token) : undefined;
    if (hash === this.saved) return false;
    this.saved = hash;
    return true;
  }

  /** Whether the token is one the connection obtained (or that Node-RED saved from it). */
  includes(token: string): boolean {
    const hash = fingerprintOf(token);
    return hash === this.saved || this.obtained.includes(hash);
  }

  toStored(): OwnRefreshTokenFingerprints {
    return { obtainedRefreshTokenHashes: [...this.obtained], savedRefreshTokenHash: this.saved };
  }
}

/** 128 bits of SHA-256: no collision in practice, and a short entry in a list that is rewritten at every refresh. */
function fingerprintOf(token: string): string {
  return fingerprint('refresh token', token).slice(0, 32);
}
