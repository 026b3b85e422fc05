/** PKCS#12 files written by OpenSSL 3 (default, -legacy, without MAC, unencrypted), read by Keyport. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundle, makePki, passwordFile, run, TEST_ALGS, tempDir, type TestPki } from './tools';
import { requireTools } from './require-tools';
import { expectIdentity } from './expect-identity';

const available = requireTools('openssl');

describe.runIf(available).each(TEST_ALGS)('OpenSSL 3 PKCS#12 with a %s key', (alg) => {
  const tmp = tempDir();
  let pki: TestPki;
  let shuffled: string;

  beforeAll(() => {
    pki = makePki(tmp.dir, alg);
    // Root first, leaf in the middle: Keyport must order the chain itself.
    shuffled = bundle(tmp.dir, 'shuffled.pem', [pki.rootPath, pki.leafPath, pki.intermediatePath]);
  });
  afterAll(() => tmp.remove());

  /** `openssl pkcs12 -export` with the password from a file; returns the file. */
  function exportP12(name: string, password: string, extra: string[]): Buffer {
    // openssl cannot read an empty password file; `pass:` with nothing after it reveals nothing.
    const pass = password === '' ? 'pass:' : `file:${passwordFile(tmp.dir, `${name}.pass`, password)}`;
    const out = join(tmp.dir, `${name}.p12`);
    run('openssl', ['pkcs12', '-export', '-inkey', pki.keyPath, '-in', shuffled, '-passout', pass,
      '-out', out, ...extra]);
    return readFileSync(out);
  }

  it('default: PBES2 AES-256-CBC, PBKDF2-HMAC-SHA256, HMAC-SHA256 MAC', async () => {
    const c = await expectIdentity(exportP12('default', 'secret', ['-name', 'my client']), 'secret', pki, {
      friendlyName: 'my client',
    });
    expect(c.macAlgorithm).toBe('HMAC-SHA256 (2048 iterations)');
    expect(c.encryption).toEqual(['PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC, 2048 iterations)']);
  });

  it('-legacy: RC2-40 certificates, 3DES key, SHA-1 MAC', async () => {
    const c = await expectIdentity(exportP12('legacy', 'secret', ['-legacy']), 'secret', pki);
    expect(c.macAlgorithm).toBe('HMAC-SHA1 (2048 iterations)');
    expect(c.encryption).toEqual([
      'pbeWithSHAAnd40BitRC2-CBC (2048 iterations)',
      'pbeWithSHAAnd3-KeyTripleDES-CBC (2048 iterations)',
    ]);
  });

  it('-nomac: encrypted, no integrity check', async () => {
    const c = await expectIdentity(exportP12('nomac', 'secret', ['-nomac']), 'secret', pki);
    expect(c.macAlgorithm).toBeUndefined();
  });

  it('unencrypted and without MAC (-keypbe NONE -certpbe NONE -nomac), opened with no password', async () => {
    const file = exportP12('plain', '', ['-keypbe', 'NONE', '-certpbe', 'NONE', '-nomac']);
    const c = await expectIdentity(file, null, pki);
    expect(c.encryption).toEqual(['none (key stored unencrypted)']);
  });

  it('empty password, opened as empty and as absent', async () => {
    const file = exportP12('empty', '', []);
    await expectIdentity(file, '', pki);
    await expectIdentity(file, null, pki);
  });

  it.each(['pässwörd€', '密码パスワード', 'ümlaut with spaces and 😀'])('non-ASCII password %s', async (password) => {
    await expectIdentity(exportP12(`utf8-${password.length}`, password, []), password, pki);
    await expectIdentity(exportP12(`utf8-legacy-${password.length}`, password, ['-legacy']), password, pki);
  });

  it('SHA-512 MAC and AES-128 / 3DES under PBES2', async () => {
    const file = exportP12('mixed', 'secret', ['-macalg', 'sha512', '-keypbe', 'aes-128-cbc', '-certpbe', 'des-ede3-cbc']);
    const c = await expectIdentity(file, 'secret', pki);
    expect(c.macAlgorithm).toBe('HMAC-SHA512 (2048 iterations)');
    expect(c.encryption).toEqual([
      'PBES2 (PBKDF2-HMAC-SHA256, DES-EDE3-CBC, 2048 iterations)',
      'PBES2 (PBKDF2-HMAC-SHA256, AES-128-CBC, 2048 iterations)',
    ]);
  });
});
