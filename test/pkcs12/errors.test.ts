/** Bad PKCS#12 input: each gets its stable code and one clean "Cannot import PKCS#12: ..." sentence. */
import * as crypto from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PFX } from '@peculiar/asn1-pfx';
import { AsnParser, AsnSerializer } from '@peculiar/asn1-schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPkcs12, parsePkcs12, pickIdentity } from '../../src/core/pki/pkcs12';
import { isKeyportError, type ErrorCode } from '../../src/shared/errors';
import { makePki, passwordFile, run, tempDir, type TestPki } from './tools';
import { requireTools } from './require-tools';

const available = requireTools('openssl');

/** The KeyportError `promise` rejects with, checked to be one clean sentence of the given code. */
async function rejection(promise: Promise<unknown>, code: ErrorCode): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isKeyportError(error), `expected a KeyportError, got ${String(error)}`).toBe(true);
  const e = error as { code: string; message: string };
  expect(e.code).toBe(code);
  expect(e.message).toMatch(/^Cannot import PKCS#12: /);
  expect(e.message).not.toMatch(/\n|\bat .*:\d+:\d+/);
  return e.message;
}

describe.runIf(available)('PKCS#12 bad input', () => {
  const tmp = tempDir();
  let pki: TestPki;
  let modern: Buffer;
  let legacy: Buffer;
  let noMac: Buffer;
  const pass = (): string => passwordFile(tmp.dir, 'p.pass', 'secret');
  const openssl = (name: string, extra: string[]): Buffer => {
    const out = join(tmp.dir, name);
    run('openssl', ['pkcs12', '-export', '-inkey', pki.keyPath, '-in', pki.leafPath, '-passout', `file:${pass()}`, '-out', out, ...extra]);
    return readFileSync(out);
  };

  beforeAll(() => {
    pki = makePki(tmp.dir, 'EC-P256');
    modern = openssl('modern.p12', []);
    legacy = openssl('legacy.p12', ['-legacy']);
    noMac = openssl('nomac.p12', ['-nomac']);
  });
  afterAll(() => tmp.remove());

  it('wrong password: "Cannot import PKCS#12: wrong password"', async () => {
    for (const file of [modern, legacy, noMac]) {
      expect(await rejection(parsePkcs12(file, 'not the password'), 'KEYPORT_PKCS12_WRONG_PASSWORD')).toBe(
        'Cannot import PKCS#12: wrong password',
      );
      await rejection(parsePkcs12(file, null), 'KEYPORT_PKCS12_WRONG_PASSWORD');
    }
  });

  it('truncated files', async () => {
    for (const length of [1, 2, 10, 100, Math.floor(modern.length / 2), modern.length - 1]) {
      await rejection(parsePkcs12(modern.subarray(0, length), 'secret'), 'KEYPORT_PKCS12_INVALID');
    }
  });

  it('a bit flipped in the MAC-protected contents reads as a wrong password; in the structure as damage', async () => {
    const flipped = Buffer.from(modern);
    flipped[Math.floor(modern.length / 2)]! ^= 0x01;
    await rejection(parsePkcs12(flipped, 'secret'), 'KEYPORT_PKCS12_WRONG_PASSWORD');
    const badTag = Buffer.from(modern);
    badTag[0] = 0x31;
    await rejection(parsePkcs12(badTag, 'secret'), 'KEYPORT_PKCS12_INVALID');
  });

  it('not PKCS#12: PEM text, random bytes, a DER certificate, an empty file', async () => {
    expect(await rejection(parsePkcs12(readFileSync(pki.leafPath), 'x'), 'KEYPORT_PKCS12_INVALID')).toMatch(/PEM/);
    await rejection(parsePkcs12(crypto.randomBytes(2000), 'x'), 'KEYPORT_PKCS12_INVALID');
    await rejection(parsePkcs12(Buffer.concat([Buffer.from([0x30, 0x82, 0x07, 0xd0]), crypto.randomBytes(2000)]), 'x'), 'KEYPORT_PKCS12_INVALID');
    expect(await rejection(parsePkcs12(pki.chainDer[0]!, 'x'), 'KEYPORT_PKCS12_INVALID')).toMatch(/certificate/);
    expect(await rejection(parsePkcs12(Buffer.alloc(0), 'x'), 'KEYPORT_PKCS12_INVALID')).toMatch(/empty/);
  });

  it('files over 10 MB are refused before parsing', async () => {
    const huge = Buffer.alloc(10 * 1024 * 1024 + 1, 0x30);
    await rejection(parsePkcs12(huge, 'secret'), 'KEYPORT_FILE_TOO_LARGE');
  });

  it('an absurd iteration count is refused at once, not computed', async () => {
    const pfx = AsnParser.parse(modern, PFX);
    pfx.macData.iterations = 10_000_001;
    const crafted = Buffer.from(AsnSerializer.serialize(pfx));
    const started = performance.now();
    const message = await rejection(parsePkcs12(crafted, 'secret'), 'KEYPORT_PKCS12_UNSUPPORTED');
    expect(performance.now() - started).toBeLessThan(500);
    expect(message).toBe(
      'Cannot import PKCS#12: its key derivation asks for 10,000,001 iterations, more than Keyport allows (10,000,000); re-export it with fewer',
    );
    pfx.macData.iterations = 4_000_000_000;
    await rejection(parsePkcs12(Buffer.from(AsnSerializer.serialize(pfx)), 'secret'), 'KEYPORT_PKCS12_UNSUPPORTED');
    // The PBKDF2 count of the contents is checked the same way (here against a lower ceiling).
    await rejection(parsePkcs12(noMac, 'secret', { maxIterations: 2047 }), 'KEYPORT_PKCS12_UNSUPPORTED');
  });

  it('no key in the file: KEYPORT_PKCS12_NO_KEY; a key without its certificate: KEYPORT_KEY_MISMATCH', async () => {
    const certsOnly = await parsePkcs12(openssl('certs-only.p12', ['-nokeys']), 'secret');
    expect(certsOnly.keys).toHaveLength(0);
    expect(() => pickIdentity(certsOnly)).toThrow(expect.objectContaining({ code: 'KEYPORT_PKCS12_NO_KEY' }));
    const keyOnly = await parsePkcs12(openssl('key-only.p12', ['-nocerts']), 'secret');
    expect(keyOnly.keys).toHaveLength(1);
    expect(() => pickIdentity(keyOnly)).toThrow(expect.objectContaining({ code: 'KEYPORT_KEY_MISMATCH' }));
    mkdirSync(join(tmp.dir, 'other'));
    const other = makePki(join(tmp.dir, 'other'), 'EC-P256', 'other');
    const mixed = await parsePkcs12(
      await buildPkcs12({ keyPkcs8: (await parsePkcs12(modern, 'secret')).keys[0]!.pkcs8, chain: [pki.chainDer[0]!], password: 'x' }),
      'x',
    );
    mixed.certs = [{ der: other.chainDer[0]! }];
    expect(() => pickIdentity(mixed)).toThrow(expect.objectContaining({ code: 'KEYPORT_KEY_MISMATCH' }));
  });
});
