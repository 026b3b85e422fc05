/** buildPkcs12 output read back by `openssl pkcs12` (and keytool): same key, same chain, same password. */
import * as crypto from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isKeyportError } from '../../src/shared/errors';
import { buildPkcs12, parsePkcs12, pickIdentity } from '../../src/core/pki/pkcs12';
import { makePki, passwordFile, run, TEST_ALGS, tempDir } from './tools';
import { requireTools } from './require-tools';

const available = requireTools('openssl');
const haveKeytool = available && requireTools('keytool');

/** Every PEM block of `type` in `text`, as DER. */
function pemBlocks(text: string, type: string): Buffer[] {
  const re = new RegExp(`-----BEGIN ${type}-----([^-]+)-----END ${type}-----`, 'g');
  return [...text.matchAll(re)].map((m) => Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
}

describe.runIf(available).each(TEST_ALGS)('buildPkcs12 round trip with a %s key', (alg) => {
  const tmp = tempDir();
  afterAll(() => tmp.remove());
  const pki = makePki(tmp.dir, alg);
  const keyPkcs8 = crypto.createPrivateKey(readFileSync(pki.keyPath)).export({ format: 'der', type: 'pkcs8' });

  it.each([
    { legacy: false, password: 'pässwörd€ 密码', info: ['MAC: sha256, Iteration 2048', 'PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256'] },
    { legacy: true, password: 'pässwörd€ 密码', info: ['MAC: sha1, Iteration 2048', 'pbeWithSHA1And40BitRC2-CBC, Iteration 2048', 'pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048'] },
    { legacy: false, password: '', info: ['MAC: sha256'] },
  ])('legacy=$legacy password="$password": openssl reads the same key and chain', async ({ legacy, password, info }) => {
    const file = join(tmp.dir, `rt-${legacy}-${password.length}.p12`);
    writeFileSync(file, await buildPkcs12({ keyPkcs8, chain: pki.chainDer, password, friendlyName: 'round trip', legacy }));
    const passin = password === '' ? 'pass:' : `file:${passwordFile(tmp.dir, `rt-${legacy}.pass`, password)}`;
    const args = ['pkcs12', '-in', file, '-passin', passin, ...(legacy ? ['-legacy'] : [])];
    const infoText = run('openssl', [...args, '-info', '-nokeys'], { withStderr: true }).toString();
    for (const line of info) expect(infoText).toContain(line);
    expect(infoText).toContain('friendlyName: round trip');

    const keys = pemBlocks(run('openssl', [...args, '-nocerts', '-nodes']).toString(), 'PRIVATE KEY');
    expect(keys).toHaveLength(1);
    expect(keys[0]!.equals(keyPkcs8)).toBe(true);
    const certs = pemBlocks(run('openssl', [...args, '-nokeys']).toString(), 'CERTIFICATE');
    expect(certs.map((c) => c.toString('hex'))).toEqual(pki.chainDer.map((c) => c.toString('hex')));

    const back = pickIdentity(await parsePkcs12(readFileSync(file), password));
    expect(back.keyPkcs8.equals(keyPkcs8)).toBe(true);
    expect(back.chain).toEqual(pki.chainDer);
    expect(back.friendlyName).toBe('round trip');
  });

  it.runIf(haveKeytool).each([false, true])('legacy=%s: keytool lists the key entry', async (legacy) => {
    const file = join(tmp.dir, `kt-${legacy}.p12`);
    writeFileSync(file, await buildPkcs12({ keyPkcs8, chain: pki.chainDer, password: 'changeit', friendlyName: 'kt', legacy }));
    const pass = passwordFile(tmp.dir, 'kt.pass', 'changeit');
    const out = run('keytool', ['-list', '-v', '-keystore', file, '-storetype', 'PKCS12', '-storepass:file', pass]).toString();
    expect(out).toMatch(/Alias name: kt/);
    expect(out).toMatch(/Entry type: PrivateKeyEntry/);
    expect(out).toMatch(/Certificate chain length: 3/);
  });

  it('refuses a chain whose first certificate is not for the key', async () => {
    const other = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'der', type: 'pkcs8' });
    const error = await buildPkcs12({ keyPkcs8: other, chain: pki.chainDer, password: 'x' }).catch((e: unknown) => e);
    expect(isKeyportError(error, 'KEYPORT_KEY_MISMATCH')).toBe(true);
  });
});
