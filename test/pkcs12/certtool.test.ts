/** PKCS#12 files written by GnuTLS certtool --to-p12 (default and 3des-pkcs12), read by Keyport. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectIdentity } from './expect-identity';
import { bundle, makePki, run, TEST_ALGS, tempDir, type TestAlg } from './tools';
import { requireTools } from './require-tools';

/** 600,000-iteration files take seconds to write and read, more on a loaded 2-core machine. */
const SLOW_TEST_MS = 180_000;

const available = requireTools('certtool', 'openssl');

describe.runIf(available)('GnuTLS certtool PKCS#12', () => {
  const tmp = tempDir();
  afterAll(() => tmp.remove());

  /** certtool --to-p12 with the password in a template file (certtool would otherwise ask a TTY). */
  function toP12(alg: TestAlg, password: string | null, extra: string[] = []) {
    const dir = join(tmp.dir, `${alg}-${extra.join('')}-${password === null ? 'none' : password.length}`);
    run('mkdir', ['-p', dir]);
    const pki = makePki(dir, alg);
    const template = join(dir, 'p12.tmpl');
    writeFileSync(template, password === null ? '' : `password = "${password}"\n`, { mode: 0o600 });
    const chain = bundle(dir, 'chain.pem', [pki.rootPath, pki.leafPath, pki.intermediatePath]);
    const out = join(dir, 'out.p12');
    run('certtool', ['--to-p12', '--load-privkey', pki.keyPath, '--load-certificate', chain, '--p12-name', 'gnutls client',
      '--outder', '--outfile', out, '--template', template, ...(password === null ? ['--empty-password'] : []), ...extra]);
    return { pki, file: readFileSync(out) };
  }

  it.each(TEST_ALGS)('default (PBES2 AES-128-CBC, 600,000 iterations) with a %s key', async (alg) => {
    const { pki, file } = toP12(alg, 'pässwörd€');
    const c = await expectIdentity(file, 'pässwörd€', pki, { friendlyName: 'gnutls client' });
    expect(c.macAlgorithm).toBe('HMAC-SHA256 (600000 iterations)');
    expect(c.encryption).toEqual(['PBES2 (PBKDF2-HMAC-SHA256, AES-128-CBC, 600000 iterations)']);
  }, SLOW_TEST_MS);

  it.each(['RSA-2048', 'EC-P384'] as const)('--pkcs-cipher 3des-pkcs12 with a %s key', async (alg) => {
    const { pki, file } = toP12(alg, 'secret', ['--pkcs-cipher', '3des-pkcs12']);
    const c = await expectIdentity(file, 'secret', pki);
    expect(c.encryption).toEqual(['pbeWithSHAAnd3-KeyTripleDES-CBC (600000 iterations)']);
  }, SLOW_TEST_MS);

  it('--empty-password, opened with no password', async () => {
    const { pki, file } = toP12('EC-P256', null);
    await expectIdentity(file, null, pki);
  }, SLOW_TEST_MS);
});
