/** The PKCS#12 KDF and its SHA-1 fast path, checked against OpenSSL's PKCS12KDF and node:crypto. */
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KdfPurpose, pkcs12Kdf } from './kdf';
import { bmpPassword } from './password';
import { sha1Chain } from './sha1-chain';

/** OpenSSL's own PKCS#12 KDF (`openssl kdf ... PKCS12KDF`), as raw bytes. */
function opensslKdf(digest: string, password: Buffer, salt: Buffer, iterations: number, id: number, size: number): Buffer {
  const args = ['kdf', '-keylen', String(size), '-kdfopt', `digest:${digest}`, '-kdfopt', `hexpass:${password.toString('hex')}`,
    '-kdfopt', `hexsalt:${salt.toString('hex')}`, '-kdfopt', `iter:${iterations}`, '-kdfopt', `id:${id}`, 'PKCS12KDF'];
  const r = spawnSync('openssl', args);
  if (r.status !== 0) {
    if (process.env.CI) throw new Error(`openssl kdf failed: ${r.stderr}`);
    console.warn('SKIPPED: openssl with PKCS12KDF is missing');
    return Buffer.alloc(0);
  }
  return Buffer.from(r.stdout.toString().trim().replaceAll(':', ''), 'hex');
}

describe('PKCS#12 KDF', () => {
  it.each([
    ['sha1', 'secret', 2048, KdfPurpose.key, 24],
    ['sha1', 'pässwörd€ 😀', 1, KdfPurpose.iv, 8],
    ['sha1', '', 1000, KdfPurpose.mac, 20],
    ['sha1', 'secret', 20_000, KdfPurpose.key, 5],
    ['sha256', 'secret', 2048, KdfPurpose.mac, 32],
    ['sha256', 'a much longer password that spans more than one sixty-four byte block', 3, KdfPurpose.key, 70],
    ['sha512', 'secret', 2048, KdfPurpose.mac, 64],
    ['sha384', 'secret', 10, KdfPurpose.key, 100],
  ] as const)('%s "%s" %i iterations, purpose %i, %i bytes equals OpenSSL', async (digest, password, iterations, purpose, size) => {
    const pass = bmpPassword(password);
    const salt = crypto.randomBytes(8);
    const expected = opensslKdf(digest.toUpperCase(), pass, salt, iterations, purpose, size);
    if (expected.length === 0) return;
    expect((await pkcs12Kdf(digest, pass, salt, iterations, purpose, size)).toString('hex')).toBe(expected.toString('hex'));
  });

  it('yields to the event loop during long derivations', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    await pkcs12Kdf('sha256', bmpPassword('x'), Buffer.alloc(8), 200_000, KdfPurpose.mac, 32);
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(2);
  });
});

describe('sha1Chain', () => {
  it.each([0, 1, 2, 3, 64, 1000])('equals %i rounds of node:crypto SHA-1', (rounds) => {
    const start = crypto.randomBytes(20);
    let expected = start;
    for (let i = 0; i < rounds; i++) expected = crypto.createHash('sha1').update(expected).digest();
    expect(sha1Chain(start, rounds).toString('hex')).toBe(expected.toString('hex'));
  });
});

describe('bmpPassword', () => {
  it('is UTF-16BE with a two-byte terminator, surrogate pairs included (RFC 7292 App. B.1)', () => {
    expect(bmpPassword('').toString('hex')).toBe('0000');
    expect(bmpPassword('ä€').toString('hex')).toBe('00e420ac0000');
    expect(bmpPassword('😀').toString('hex')).toBe('d83dde000000');
  });
});
