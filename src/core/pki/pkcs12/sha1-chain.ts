/**
 * SHA-1 applied to its own 20-byte output many times over, in plain JavaScript. The legacy
 * PKCS#12 KDF needs up to millions of such rounds (certtool and NSS write 600,000 per block);
 * one node:crypto call per round costs about 1 µs of binding overhead, a tight loop over one
 * pre-padded block (FIPS 180-4 §6.1) a fraction of that.
 */


/** SHA-1 applied `rounds` times to `digest` (20 bytes): SHA1(SHA1(...SHA1(digest))). */
export function sha1Chain(digest: Buffer, rounds: number): Buffer {
  const w = new Int32Array(80);
  let h0 = digest.readInt32BE(0);
  let h1 = digest.readInt32BE(4);
  let h2 = digest.readInt32BE(8);
  let h3 = digest.readInt32BE(12);
  let h4 = digest.readInt32BE(16);
  for (let r = 0; r < rounds; r++) {
    // The message is the previous digest: 5 words, the 0x80 marker, zeros, bit length 160.
    w[0] = h0;
    w[1] = h1;
    w[2] = h2;
    w[3] = h3;
    w[4] = h4;
    w[5] = 0x80000000 | 0;
    w.fill(0, 6, 15);
    w[15] = 160;
    for (let t = 16; t < 80; t++) {
      const x = w[t - 3]! ^ w[t - 8]! ^ w[t - 14]! ^ w[t - 16]!;
      w[t] = (x << 1) | (x >>> 31);
    }
    let a = 0x67452301;
    let b = 0xefcdab89 | 0;
    let c = 0x98badcfe | 0;
    let d = 0x10325476;
    let e = 0xc3d2e1f0 | 0;
    let t = 0;
    // Four 20-round stages, each with its own function and constant (unrolled for speed).
    for (; t < 20; t++) {
      const temp = (((a << 5) | (a >>> 27)) + ((b & c) | (~b & d)) + e + 0x5a827999 + w[t]!) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = temp;
    }
    for (; t < 40; t++) {
      const temp = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + 0x6ed9eba1 + w[t]!) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = temp;
    }
    for (; t < 60; t++) {
      const temp = (((a << 5) | (a >>> 27)) + ((b & c) | (b & d) | (c & d)) + e + (0x8f1bbcdc | 0) + w[t]!) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = temp;
    }
    for (; t < 80; t++) {
      const temp = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + (0xca62c1d6 | 0) + w[t]!) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = temp;
    }
    h0 = (0x67452301 + a) | 0;
    h1 = ((0xefcdab89 | 0) + b) | 0;
    h2 = ((0x98badcfe | 0) + c) | 0;
    h3 = (0x10325476 + d) | 0;
    h4 = ((0xc3d2e1f0 | 0) + e) | 0;
  }
  const out = Buffer.alloc(20);
  out.writeInt32BE(h0, 0);
  out.writeInt32BE(h1, 4);
  out.writeInt32BE(h2, 8);
  out.writeInt32BE(h3, 12);
  out.writeInt32BE(h4, 16);
  return out;
}
