/**
 * The PKCS#12 key derivation function (RFC 7292 App. B.2), used by the legacy PBE schemes and
 * the classic MAC. It is iterated hashing in JavaScript, so it yields to the event loop every
 * few thousand rounds: files from certtool and NSS ask for 600,000.
 */
import * as crypto from 'node:crypto';
import { sha1Chain } from './sha1-chain';

/** What the derived bytes are for (the "ID" diversifier). */
export const KdfPurpose = { key: 1, iv: 2, mac: 3 } as const;
export type KdfPurpose = (typeof KdfPurpose)[keyof typeof KdfPurpose];

const BLOCK_BYTES: Readonly<Record<string, number>> = {
  sha1: 64,
  sha224: 64,
  sha256: 64,
  sha384: 128,
  sha512: 128,
};

/** Rounds between yields to the event loop (a few milliseconds of work). */
const ROUNDS_PER_SLICE = 8192;

/** Derives `size` bytes from `password` (already BMP-encoded) and `salt` with digest `hash`. */
export async function pkcs12Kdf(
  hash: string,
  password: Buffer,
  salt: Buffer,
  iterations: number,
  purpose: KdfPurpose,
  size: number,
): Promise<Buffer> {
  const v = BLOCK_BYTES[hash];
  if (v === undefined) throw new Error(`PKCS#12 KDF: unknown digest ${hash}`);
  const d = Buffer.alloc(v, purpose);
  const input = Buffer.concat([fill(salt, v), fill(password, v)]);
  const out: Buffer[] = [];
  let produced = 0;
  while (produced < size) {
    const a = await iteratedHash(hash, Buffer.concat([d, input]), iterations);
    out.push(a);
    produced += a.length;
    if (produced < size) addToBlocks(input, fill(a, v, true));
  }
  return Buffer.concat(out).subarray(0, size);
}

/** H^iterations(first), yielding to the event loop between slices of rounds. */
async function iteratedHash(hash: string, first: Buffer, iterations: number): Promise<Buffer> {
  let a = digest(hash, first);
  for (let done = 1; done < iterations; ) {
    const rounds = Math.min(ROUNDS_PER_SLICE, iterations - done);
    a = hash === 'sha1' ? sha1Chain(a, rounds) : repeatDigest(hash, a, rounds);
    done += rounds;
    if (done < iterations) await new Promise((resolve) => setImmediate(resolve));
  }
  return a;
}

function repeatDigest(hash: string, start: Buffer, rounds: number): Buffer {
  let a = start;
  for (let i = 0; i < rounds; i++) a = digest(hash, a);
  return a;
}

const oneShot = (crypto as { hash?: typeof crypto.hash }).hash;

function digest(hash: string, data: Buffer): Buffer {
  return oneShot ? oneShot(hash, data, 'buffer') : crypto.createHash(hash).update(data).digest();
}

/** `data` repeated to a multiple of `v` bytes (exactly `v` when `exact`); empty stays empty. */
function fill(data: Buffer, v: number, exact = false): Buffer {
  if (data.length === 0) return data;
  const length = exact ? v : v * Math.ceil(data.length / v);
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = data[i % data.length]!;
  return out;
}

/** I_j = (I_j + B + 1) mod 2^(8v) for each v-byte block of I, in place (step 6C). */
function addToBlocks(input: Buffer, b: Buffer): void {
  const v = b.length;
  for (let start = 0; start < input.length; start += v) {
    let carry = 1;
    for (let k = v - 1; k >= 0; k--) {
      const sum = input[start + k]! + b[k]! + carry;
      input[start + k] = sum & 0xff;
      carry = sum >> 8;
    }
  }
}
