/**
 * Keeps secrets out of anything a user sees. Every credential value, and every token the
 * connection obtains later, is registered here; text that leaves lib/ passes through
 * `redact`, so even an error body that echoes a secret shows `***` instead.
 */

/** Values shorter than this are too likely to appear by chance in ordinary text. */
const MIN_SECRET_LENGTH = 4;
/** Obtained tokens: the current generation and the one before (still in flight), no more. */
const KEPT_GENERATIONS = 2;
export const REDACTED = '***';

export class SecretRedactor {
  private readonly fixed = new Set<string>();
  private readonly rotating = new Map<string, string[][]>();
  /** Longest first, so a secret that contains another is replaced whole; rebuilt only on change. */
  private sorted: string[] | undefined;

  /** Registers secrets for the life of the connection (credentials). */
  add(...values: (string | undefined | null)[]): void {
    for (const form of encodedForms(values)) this.fixed.add(form);
    this.sorted = undefined;
  }

  /**
   * Registers the newest values of something that rotates (OAuth2 tokens): the last two
   * generations are kept, so a long-running connection does not collect every token it ever had.
   */
  rotate(name: string, ...values: (string | undefined | null)[]): void {
    const generations = this.rotating.get(name) ?? [];
    generations.unshift([...encodedForms(values)]);
    this.rotating.set(name, generations.slice(0, KEPT_GENERATIONS));
    this.sorted = undefined;
  }

  redact(text: string): string {
    let result = text;
    for (const secret of this.secrets()) {
      if (result.includes(secret)) result = result.split(secret).join(REDACTED);
    }
    return result;
  }

  /** Redacts a value of any shape: strings, and strings inside arrays and plain objects. */
  redactDeep<T>(value: T): T {
    // Nothing to hide (no credentials): no copy of every response's headers.
    if (this.secrets().length === 0) return value;
    if (typeof value === 'string') return this.redact(value) as T;
    if (Array.isArray(value)) return (value as unknown[]).map((item) => this.redactDeep(item)) as T;
    if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
      const copy: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) copy[key] = this.redactDeep(item);
      return copy as T;
    }
    return value;
  }

  private secrets(): string[] {
    if (!this.sorted) {
      const all = new Set(this.fixed);
      for (const generations of this.rotating.values())
        for (const forms of generations) forms.forEach((f) => all.add(f));
      this.sorted = [...all].sort((a, b) => b.length - a.length);
    }
    return this.sorted;
  }
}

/**
 * A secret as it may appear on the wire or in a log: as is, URL-encoded the way
 * encodeURIComponent does it, the way a query string / form does it (URLSearchParams: `+`
 * for space, `~!'()*` escaped), with lower-case percent escapes, and base64.
 */
function encodedForms(values: (string | undefined | null)[]): Set<string> {
  const forms = new Set<string>();
  for (const value of values) {
    if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) continue;
    const formEncoded = new URLSearchParams({ v: value }).toString().slice(2);
    for (const form of [value, encodeURIComponent(value), formEncoded, Buffer.from(value).toString('base64')]) {
      forms.add(form);
      forms.add(form.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase()));
    }
  }
  return forms;
}
