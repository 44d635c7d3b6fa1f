/**
 * Keeps secrets out of anything a user sees. Every credential value, and every token the
 * connection obtains later, is registered here; text that leaves lib/ passes through
 * `redact`, so even an error body that echoes a secret shows `***` instead.
 */

/** Values shorter than this are too likely to appear by chance in ordinary text. */
const MIN_SECRET_LENGTH = 4;
export const REDACTED = '***';

export class SecretRedactor {
  private readonly secrets = new Set<string>();

  add(...values: (string | undefined | null)[]): void {
    for (const value of values) {
      if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) continue;
      this.secrets.add(value);
      // The same secret often travels URL- or base64-encoded (query strings, basic auth).
      this.secrets.add(encodeURIComponent(value));
    }
  }

  redact(text: string): string {
    let result = text;
    // Longest first, so a secret that contains another is replaced whole.
    for (const secret of [...this.secrets].sort((a, b) => b.length - a.length)) {
      if (result.includes(secret)) result = result.split(secret).join(REDACTED);
    }
    return result;
  }

  /** Redacts a value of any shape: strings, and strings inside arrays and plain objects. */
  redactDeep<T>(value: T): T {
    if (typeof value === 'string') return this.redact(value) as T;
    if (Array.isArray(value)) return value.map((item) => this.redactDeep(item)) as T;
    if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
      const copy: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) copy[key] = this.redactDeep(item);
      return copy as T;
    }
    return value;
  }
}
