/** The bytes of one response body, copied once into a buffer that grows by doubling, up to a limit. */

const UNKNOWN_LENGTH_START = 64 * 1024;
/** A declared length is a hint, not a promise: never reserve more than this up front. */
const MAX_PREALLOCATION = 256 * 1024 * 1024;

/**
 * One buffer that grows by doubling; `append` returns false once the body would pass `maxBytes`
 * (nothing more is kept from then on).
 */
export class BodyBuffer {
  private buffer: Buffer;
  private length = 0;

  constructor(
    expectedLength: number | undefined,
    private readonly maxBytes: number,
  ) {
    let capacity = expectedLength ?? UNKNOWN_LENGTH_START;
    if (maxBytes > 0) capacity = Math.min(capacity, maxBytes);
    this.buffer = Buffer.allocUnsafe(Math.min(capacity, MAX_PREALLOCATION));
  }

  get size(): number {
    return this.length;
  }

  append(chunk: Buffer): boolean {
    const needed = this.length + chunk.length;
    if (this.maxBytes > 0 && needed > this.maxBytes) return false;
    if (needed > this.buffer.length) this.grow(needed);
    chunk.copy(this.buffer, this.length);
    this.length = needed;
    return true;
  }

  /** The body. A buffer much larger than its content (a compressed or chunked body) is trimmed. */
  toBuffer(): Buffer {
    const unused = this.buffer.length - this.length;
    if (unused > 64 * 1024 && unused > this.buffer.length / 4) return Buffer.from(this.buffer.subarray(0, this.length));
    return this.buffer.subarray(0, this.length);
  }

  private grow(needed: number): void {
    let capacity = Math.max(needed, this.buffer.length * 2);
    if (this.maxBytes > 0) capacity = Math.min(capacity, this.maxBytes);
    const grown = Buffer.allocUnsafe(capacity);
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
}
