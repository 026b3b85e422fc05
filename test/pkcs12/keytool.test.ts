/** PKCS#12 key stores written by Java keytool (-genkeypair and -importkeystore), read by Keyport. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parsePkcs12, pickIdentity } from '../../src/core/pki/pkcs12';
import { expectIdentity } from './expect-identity';
import { bundle, makePki, opensslFingerprint, passwordFile, publicSpkiOf, run, sha256Hex, TEST_ALGS, tempDir } from './tools';
import { requireTools } from './require-tools';

const available = requireTools('keytool', 'openssl');

const KEYTOOL_ALGS: Record<string, string[]> = {
  'RSA-2048': ['-keyalg', 'RSA', '-keysize', '2048'],
  'EC-P256': ['-keyalg', 'EC', '-groupname', 'secp256r1'],
  'EC-P384': ['-keyalg', 'EC', '-groupname', 'secp384r1'],
  Ed25519: ['-keyalg', 'Ed25519'],
};

describe.runIf(available).each(TEST_ALGS)('Java keytool PKCS#12 with a %s key', (alg) => {
  const tmp = tempDir();
  afterAll(() => tmp.remove());
  // keytool refuses non-ASCII passwords for PBES2 ("Password is not ASCII").
  // keytool refuses non-ASCII passwords with PBES2 ("Password is not ASCII").
  const pass = passwordFile(tmp.dir, 'store.pass', 'changeit-1');

  it('-genkeypair -storetype PKCS12', async () => {
    const store = join(tmp.dir, 'gen.p12');
    const certPath = join(tmp.dir, 'gen.pem');
    run('keytool', ['-genkeypair', '-keystore', store, '-storetype', 'PKCS12', '-storepass:file', pass,
      '-alias', 'client', '-dname', 'CN=keytool client', '-validity', '30', ...KEYTOOL_ALGS[alg]!]);
    run('keytool', ['-exportcert', '-rfc', '-keystore', store, '-storepass:file', pass, '-alias', 'client', '-file', certPath]);
    const contents = await parsePkcs12(readFileSync(store), 'changeit-1');
    const identity = pickIdentity(contents);
    expect(identity.keyAlgorithm).toBe(alg);
    expect(identity.friendlyName).toBe('client');
    expect(identity.chain.map(sha256Hex)).toEqual([opensslFingerprint(certPath)]);
    const certSpki = run('openssl', ['x509', '-in', certPath, '-noout', '-pubkey']).toString();
    expect(publicSpkiOf(identity.keyPkcs8).equals(pemToDer(certSpki))).toBe(true);
    expect(contents.macAlgorithm).toBe('HMAC-SHA256 (10000 iterations)');
    expect(contents.encryption).toEqual(['PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC, 10000 iterations)']);
  });

  it('-importkeystore of an OpenSSL file with a shuffled chain of 3', async () => {
    const pki = makePki(tmp.dir, alg);
    const src = join(tmp.dir, 'src.p12');
    const dest = join(tmp.dir, 'imported.p12');
    const shuffled = bundle(tmp.dir, 'shuffled.pem', [pki.intermediatePath, pki.rootPath, pki.leafPath]);
    run('openssl', ['pkcs12', '-export', '-inkey', pki.keyPath, '-in', shuffled, '-passout', `file:${pass}`,
      '-name', 'imported', '-out', src]);
    run('keytool', ['-importkeystore', '-srckeystore', src, '-srcstoretype', 'PKCS12', '-srcstorepass:file', pass,
      '-destkeystore', dest, '-deststoretype', 'PKCS12', '-deststorepass:file', pass, '-noprompt']);
    await expectIdentity(readFileSync(dest), 'changeit-1', pki, { friendlyName: 'imported' });
  });
});

function pemToDer(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}
