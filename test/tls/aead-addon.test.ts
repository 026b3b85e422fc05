/**
 * Keyport's AES-GCM addon (native/aead), which seals and opens every TLS record where it loads:
 * the published GCM test vectors, byte-for-byte agreement with node:crypto over random records,
 * refusal of every forged part, independence of the outputs cut from its shared slab, argument
 * checks that throw instead of touching memory, and the fallback to node:crypto.
 */
import { spawnSync } from 'node:child_process';
import { createCipheriv, randomBytes, randomInt, type CipherGCM } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAead, type AeadAlgorithm } from '../../src/core/tls/aead';
import type { GcmAddon, GcmBackend } from '../../src/core/tls/native-gcm';
import { requireAeadAddon } from './helpers/aead-addon';

const { backend, missing } = requireAeadAddon();
const NODE_CRYPTO: GcmBackend = { kind: 'node:crypto', reason: 'the reference' };

const hex = (s: string) => Buffer.from(s, 'hex');
const algFor = (key: Buffer): AeadAlgorithm => (key.length === 16 ? 'aes-128-gcm' : 'aes-256-gcm');

/** What node:crypto makes of one record: ciphertext then tag. */
function referenceSeal(key: Buffer, nonce: Buffer, aad: Buffer, plaintext: Buffer): Buffer {
  const c = createCipheriv(algFor(key), key, nonce) as CipherGCM;
  c.setAAD(aad);
  return Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
}

describe.skipIf(missing)("Keyport's AES-GCM addon", () => {
  const addon = (backend as { addon: GcmAddon }).addon;

  // The test cases of McGrew and Viega's GCM specification (1, 2, 13 and 14): all-zero key and IV.
  it.each([
    ['AES-128, empty plaintext', '00'.repeat(16), '', '', '58e2fccefa7e3061367f1d57a4e7455a'],
    ['AES-128, one zero block', '00'.repeat(16), '00'.repeat(16), '0388dace60b6a392f328c2b971b2fe78', 'ab6e47d42cec13bdf53a67b21257bddf'],
    ['AES-256, empty plaintext', '00'.repeat(32), '', '', '530f8afbc74536b9a963b4f1c4cb738b'],
    ['AES-256, one zero block', '00'.repeat(32), '00'.repeat(16), 'cea7403d4d606b6e074ec5d3baf39d18', 'd0d1c8a799996bf0265b98b5d48ab919'],
  ])('gives the published ciphertext and tag: %s', (_name, key, plaintext, ciphertext, tag) => {
    const aead = createAead(algFor(hex(key)), hex(key), backend);
    const nonce = Buffer.alloc(12);
    const sealed = Buffer.concat(aead.seal(nonce, Buffer.alloc(0), Buffer.alloc(0), hex(plaintext)));
    expect(sealed.toString('hex')).toBe(ciphertext + tag);
    expect(aead.open(nonce, Buffer.alloc(0), sealed)?.toString('hex')).toBe(plaintext);
  });

  it.each([16, 32])('agrees with node:crypto on 300 random records on one %i-byte key', (keyLength) => {
    const key = randomBytes(keyLength);
    const ours = createAead(algFor(key), key, backend);
    const reference = createAead(algFor(key), key, NODE_CRYPTO);
    for (let i = 0; i < 300; i++) {
      const nonce = randomBytes(12);
      const aad = randomBytes([0, 5, 13][i % 3] as number);
      const prefix = randomBytes(i % 2 ? 5 : 13);
      const plaintext = randomBytes(i < 20 ? i : randomInt(0, 16_385));
      const trailer = i % 4 === 0 ? undefined : randomBytes(1 + (i % 3));
      const sealed = Buffer.concat(ours.seal(nonce, aad, prefix, plaintext, trailer));
      expect(sealed.equals(Buffer.concat(reference.seal(nonce, aad, prefix, plaintext, trailer)))).toBe(true);
      const body = sealed.subarray(prefix.length);
      expect(ours.open(nonce, aad, body)?.equals(Buffer.concat([plaintext, trailer ?? Buffer.alloc(0)]))).toBe(true);
    }
  });

  describe('refuses a forged record, and opens the next one', () => {
    const key = randomBytes(16);
    const nonce = randomBytes(12);
    const aad = randomBytes(13);
    const plaintext = randomBytes(1000);
    const sealed = referenceSeal(key, nonce, aad, plaintext);
    const flip = (b: Buffer, at: number) => {
      const c = Buffer.from(b);
      c[at] = (c[at] as number) ^ 0x80;
      return c;
    };
    it.each([
      ['a ciphertext byte', () => [nonce, aad, flip(sealed, 17)]],
      ['the last tag byte', () => [nonce, aad, flip(sealed, sealed.length - 1)]],
      ['an additional-data byte', () => [nonce, flip(aad, 12), sealed]],
      ['a nonce byte', () => [flip(nonce, 11), aad, sealed]],
      ['a missing byte', () => [nonce, aad, sealed.subarray(1)]],
      ['a record shorter than a tag', () => [nonce, aad, sealed.subarray(0, 15)]],
    ])('%s', (_name, forged) => {
      const aead = createAead('aes-128-gcm', key, backend);
      const [n, a, s] = forged() as [Buffer, Buffer, Buffer];
      expect(aead.open(n, a, s)).toBeNull();
      expect(aead.open(nonce, aad, sealed)?.equals(plaintext)).toBe(true);
    });
  });

  it('gives each record its own plaintext although they share a slab (no output is overwritten by the next)', () => {
    const key = randomBytes(16);
    const aead = createAead('aes-128-gcm', key, backend);
    const nonce = randomBytes(12);
    const plaintexts = Array.from({ length: 40 }, () => randomBytes(16_384));
    const opened = plaintexts.map((p) => aead.open(nonce, Buffer.alloc(0), referenceSeal(key, nonce, Buffer.alloc(0), p)));
    opened.forEach((o, i) => expect(o?.equals(plaintexts[i] as Buffer)).toBe(true));
  });

  describe('throws on a wrong call instead of touching memory', () => {
    const key = randomBytes(16);
    const nonce = randomBytes(12);
    // Made when a test runs: the describe body is collected even when the addon is missing.
    const sealer = () => addon.create(key, true);
    const opener = () => addon.create(key, false);
    const sealed = referenceSeal(key, nonce, Buffer.alloc(0), Buffer.alloc(32));
    it.each([
      ['a key of 24 bytes', () => addon.create(randomBytes(24), true), RangeError],
      ['a key that is a string', () => addon.create('k'.repeat(16) as never, true), TypeError],
      ['something else as the context', () => addon.open({} as never, nonce, Buffer.alloc(0), sealed, Buffer.alloc(32)), TypeError],
      ['a sealing context asked to open', () => addon.open(sealer(), nonce, Buffer.alloc(0), sealed, Buffer.alloc(32)), TypeError],
      ['an opening context asked to seal', () => addon.seal(opener(), nonce, Buffer.alloc(0), Buffer.alloc(1), Buffer.alloc(0), Buffer.alloc(17), 0), TypeError],
      ['a nonce of 11 bytes', () => addon.open(opener(), nonce.subarray(1), Buffer.alloc(0), sealed, Buffer.alloc(32)), RangeError],
      ['an output too short', () => addon.open(opener(), nonce, Buffer.alloc(0), sealed, Buffer.alloc(31)), RangeError],
      ['an output past its end from the offset', () => addon.seal(sealer(), nonce, Buffer.alloc(0), Buffer.alloc(4), Buffer.alloc(0), Buffer.alloc(20), 1), RangeError],
      ['an output that partly overlaps the input', () => addon.open(opener(), nonce, Buffer.alloc(0), sealed, sealed.subarray(1, 33)), RangeError],
      ['too few arguments', () => (addon.open as (...a: unknown[]) => boolean)(opener(), nonce, Buffer.alloc(0), sealed), TypeError],
    ])('%s', (_name, call, type) => {
      expect(call).toThrow(type);
    });
  });
});

describe('the AES-GCM backend', () => {
  const tsx = createRequire(__filename).resolve('tsx');
  const probe = (env: NodeJS.ProcessEnv) => {
    const code = `const b = require(${JSON.stringify(path.join(__dirname, '../../src/core/tls/native-gcm.ts'))}).gcmBackend(); console.log(b.kind + ': ' + (b.reason ?? ''));`;
    const r = spawnSync(process.execPath, ['--import', tsx, '-e', code], { env: { ...process.env, ...env }, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    return r.stdout.trim();
  };

  it('is node:crypto when KEYPORT_AEAD=node, and says so', () => {
    expect(probe({ KEYPORT_AEAD: 'node' })).toBe('node:crypto: KEYPORT_AEAD=node is set');
  });

  it.skipIf(missing)('is the addon otherwise', () => {
    expect(probe({ KEYPORT_AEAD: '' })).toBe('openssl-addon:');
  });
});
