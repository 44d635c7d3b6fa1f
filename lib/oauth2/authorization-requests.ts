/**
 * Authorization code logins in progress. Each gets an unguessable `state` (CSRF protection,
 * and the only thing that authenticates the provider's redirect back to the callback) and a
 * PKCE verifier (RFC 7636, S256) that never leaves Node-RED until the code is exchanged.
 */
import crypto from 'node:crypto';

/** A login not finished within this time must be started again. */
const PENDING_LOGIN_TTL_MS = 10 * 60 * 1000;
/** Logins kept at most: the oldest is dropped first, so repeated "Authorize" clicks cannot grow memory. */
const MAX_PENDING_LOGINS = 100;

export interface PendingAuthorization {
  connectionId: string;
  redirectUri: string;
  /** Undefined when the connection does not use PKCE. */
  codeVerifier?: string;
  createdAt: number;
}

function randomUrlSafe(bytes = 32): string {
  return crypto.randomBytes(bytes).toString('base64url');
}

/** An unguessable `state` for a new login. */
export function createState(): string {
  return randomUrlSafe(32);
}

/** A PKCE code verifier: 43 URL-safe characters from 32 random bytes. */
export function createCodeVerifier(): string {
  return randomUrlSafe(32);
}

/** The S256 code challenge of a verifier. */
export function codeChallengeOf(codeVerifier: string): string {
  return crypto.createHash('sha256').update(codeVerifier).digest('base64url');
}

export class PendingAuthorizations {
  private readonly pending = new Map<string, PendingAuthorization>();

  constructor(
    private readonly ttlMs = PENDING_LOGIN_TTL_MS,
    private readonly maxEntries = MAX_PENDING_LOGINS,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  /** Registers a login under its state (a new one unless given) and returns the state. */
  add(entry: Omit<PendingAuthorization, 'createdAt'>, state = createState(), now = Date.now()): string {
    this.prune(now);
    // A Map iterates in insertion order: the first keys are the oldest logins.
    for (const oldest of this.pending.keys()) {
      if (this.pending.size < this.maxEntries) break;
      this.pending.delete(oldest);
    }
    this.pending.set(state, { ...entry, createdAt: now });
    return state;
  }

  /** The login a state belongs to, once: a replayed or expired state gives undefined. */
  take(state: string | undefined, now = Date.now()): PendingAuthorization | undefined {
    this.prune(now);
    if (!state) return undefined;
    const entry = this.pending.get(state);
    this.pending.delete(state);
    return entry;
  }

  private prune(now: number): void {
    for (const [state, entry] of this.pending) {
      if (now - entry.createdAt > this.ttlMs) this.pending.delete(state);
    }
  }
}
