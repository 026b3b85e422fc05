/** PKCS#12 files exported by NSS pk12util from a certutil database, read by Keyport. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectIdentity } from './expect-identity';
import { bundle, makePki, passwordFile, run, tempDir, type TestAlg } from './tools';
import { requireTools } from './require-tools';

/** 600,000-iteration files take seconds to write and read, more on a loaded 2-core machine. */
const SLOW_TEST_MS = 180_000;

const available = requireTools('pk12util', 'certutil', 'openssl');

// NSS 3.87 (Debian 12) cannot import Ed25519 keys, so pk12util cannot export them either.
const NSS_ALGS: TestAlg[] = ['RSA-2048', 'EC-P256', 'EC-P384'];

describe.runIf(available).each(NSS_ALGS)('NSS pk12util PKCS#12 with a %s key', (alg) => {
  const tmp = tempDir();
  afterAll(() => tmp.remove());

  /** Imports an OpenSSL-made file into a fresh NSS database, then exports it with pk12util -o. */
  function nssExport(name: string, password: string, extra: string[] = []) {
    const dir = join(tmp.dir, name);
    const db = `sql:${join(dir, 'db')}`;
    run('mkdir', ['-p', join(dir, 'db')]);
    const pki = makePki(dir, alg);
    const dbPass = passwordFile(dir, 'db.pass', 'db-secret');
    const pass = passwordFile(dir, 'p12.pass', password);
    run('certutil', ['-N', '-d', db, '-f', dbPass]);
    const src = join(dir, 'src.p12');
    const chain = bundle(dir, 'chain.pem', [pki.leafPath, pki.intermediatePath, pki.rootPath]);
    run('openssl', ['pkcs12', '-export', '-inkey', pki.keyPath, '-in', chain, '-passout', `file:${pass}`, '-name', 'nss client', '-out', src]);
    run('pk12util', ['-i', src, '-d', db, '-k', dbPass, '-w', pass]);
    const out = join(dir, 'out.p12');
    run('pk12util', ['-o', out, '-n', 'nss client', '-d', db, '-k', dbPass, '-w', pass, ...extra]);
    return { pki, file: readFileSync(out) };
  }

  it('default (PBES2 AES-256-CBC key, AES-128-CBC certificates, 600,000 iterations)', async () => {
    const { pki, file } = nssExport('default', 'pässwörd€ 密码');
    const c = await expectIdentity(file, 'pässwörd€ 密码', pki, { friendlyName: 'nss client' });
    expect(c.macAlgorithm).toBe('HMAC-SHA256 (600000 iterations)');
    expect(c.encryption).toEqual([
      'PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC, 600000 iterations)',
      'PBES2 (PBKDF2-HMAC-SHA256, AES-128-CBC, 600000 iterations)',
    ]);
  }, SLOW_TEST_MS);

  it('legacy ciphers (-c 3DES key, -C RC2-40 certificates)', async () => {
    const { pki, file } = nssExport('legacy', 'secret', [
      '-c', 'PKCS #12 V2 PBE With SHA-1 And 3KEY Triple DES-CBC',
      '-C', 'PKCS #12 V2 PBE With SHA-1 And 40 Bit RC2 CBC',
    ]);
    const c = await expectIdentity(file, 'secret', pki);
    expect(c.macAlgorithm).toBe('HMAC-SHA256 (600000 iterations)');
    expect(c.encryption).toEqual([
      'pbeWithSHAAnd3-KeyTripleDES-CBC (600000 iterations)',
      'pbeWithSHAAnd40BitRC2-CBC (600000 iterations)',
    ]);
  }, SLOW_TEST_MS);
});
