/**
 * MD4 (RFC 1320), which NTLM needs for the NT hash of the password. Node's OpenSSL 3 keeps MD4
 * in its legacy provider, off by default (`createHash('md4')` throws ERR_OSSL_EVP_UNSUPPORTED),
 * so it is computed here. Used for nothing else: MD4 is broken as a general hash.
 */

/** The three rounds of RFC 1320 §3.4: mixing function, added constant, word order, shifts. */
const ROUNDS: { mix: (x: number, y: number, z: number) => number; add: number; order: number[]; shifts: number[] }[] = [
  {
    mix: (x, y, z) => (x & y) | (~x & z),
    add: 0,
    order: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    shifts: [3, 7, 11, 19],
  },
  {
    mix: (x, y, z) => (x & y) | (x & z) | (y & z),
    add: 0x5a827999,
    order: [0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15],
    shifts: [3, 5, 9, 13],
  },
  {
    mix: (x, y, z) => x ^ y ^ z,
    add: 0x6ed9eba1,
    order: [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15],
    shifts: [3, 9, 11, 15],
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
  const x = new Int32Array(16);
  for (let offset = 0; offset < padded.length; offset += 64) {
    for (let i = 0; i < 16; i++) x[i] = padded.readInt32LE(offset + i * 4);
    const [aa, bb, cc, dd] = [a, b, c, d];
    // Each step updates one register from the other three; rotating the roles gives RFC 1320's [ABCD k s] [DABC k s] ...
    for (const { mix, add, order, shifts } of ROUNDS) {
      for (let step = 0; step < 16; step++) {
        const updated = rotateLeft((a + mix(b, c, d) + x[order[step]] + add) | 0, shifts[step % 4]);
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
