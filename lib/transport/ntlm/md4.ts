/**
 * MD4 (RFC 1320), which NTLM needs for the NT hash of the password. Node's OpenSSL 3 keeps MD4
 * in its legacy provider, off by default (`createHash('md4')` throws ERR_OSSL_EVP_UNSUPPORTED),
 * so it is computed here. Used for nothing else: MD4 is broken as a general hash.
 */

/**
 * The three rounds of RFC 1320 §3.4: mixing function, added constant, and the round's 16 steps
 * `[k, s]` laid out as the RFC prints them (word k of the block, rotated left by s).
 */
const ROUNDS: { mix: (x: number, y: number, z: number) => number; add: number; steps: [number, number][] }[] = [
  {
    mix: (x, y, z) => (x & y) | (~x & z),
    add: 0,
    // prettier-ignore
    steps: [
      [ 0,  3], [ 1,  7], [ 2, 11], [ 3, 19],
      [ 4,  3], [ 5,  7], [ 6, 11], [ 7, 19],
      [ 8,  3], [ 9,  7], [10, 11], [11, 19],
      [12,  3], [13,  7], [14, 11], [15, 19],
    ],
  },
  {
    mix: (x, y, z) => (x & y) | (x & z) | (y & z),
    add: 0x5a827999,
    // prettier-ignore
    steps: [
      [ 0,  3], [ 4,  5], [ 8,  9], [12, 13],
      [ 1,  3], [ 5,  5], [ 9,  9], [13, 13],
      [ 2,  3], [ 6,  5], [10,  9], [14, 13],
      [ 3,  3], [ 7,  5], [11,  9], [15, 13],
    ],
  },
  {
    mix: (x, y, z) => x ^ y ^ z,
    add: 0x6ed9eba1,
    // prettier-ignore
    steps: [
      [ 0,  3], [ 8,  9], [ 4, 11], [12, 15],
      [ 2,  3], [10,  9], [ 6, 11], [14, 15],
      [ 1,  3], [ 9,  9], [ 5, 11], [13, 15],
      [ 3,  3], [11,  9], [ 7, 11], [15, 15],
    ],
  },
];

function rotateLeft(value: number, bits: number): number {
  return (value << bits) | (value >>> (32 - bits));
}

export function md4(data: Buffer): Buffer {
  // Padding: a 1 bit, zeros, then the length in bits as 64-bit little endian, to a multiple of 64 bytes.
  const padded = Buffer.alloc(Math.ceil((data.length + 9) / 64) * 64);
  data.copy(padded);
  padded[data.length] = 0x80;
  const bits = data.length * 8;
  padded.writeUInt32LE(bits % 2 ** 32, padded.length - 8);
  padded.writeUInt32LE(Math.floor(bits / 2 ** 32), padded.length - 4);

  let a = 0x67452301;
  let b = 0xefcdab89;
  let c = 0x98badcfe;
  let d = 0x10325476;
  for (let offset = 0; offset < padded.length; offset += 64) {
    const word = (k: number) => padded.readInt32LE(offset + k * 4);
    const [aa, bb, cc, dd] = [a, b, c, d];
    // Each step updates one register from the other three; rotating the roles gives RFC 1320's [ABCD k s] [DABC k s] ...
    for (const { mix, add, steps } of ROUNDS) {
      for (const [k, s] of steps) {
        const updated = rotateLeft((a + mix(b, c, d) + word(k) + add) | 0, s);
        [a, b, c, d] = [d, updated, b, c];
      }
    }
    a = (a + aa) | 0;
    b = (b + bb) | 0;
    c = (c + cc) | 0;
    d = (d + dd) | 0;
  }
  const digest = Buffer.alloc(16);
  [a, b, c, d].forEach((word, i) => digest.writeInt32LE(word, i * 4));
  return digest;
}
