/** PKCS#12 files for the e2e flows, made at test time by OpenSSL from the test CA's certificates. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { IssuedCert } from '../../test/testbed/ca';
import { runChecked } from '../../test/testbed/proc';

/** `openssl pkcs12 -export` of `cert` (its chain and key) under `password`; returns the file's path. */
export async function makePkcs12(dir: string, name: string, cert: IssuedCert, password: string): Promise<string> {
  const passFile = path.join(dir, `${name}.pass`);
  await writeFile(passFile, password, { mode: 0o600 });
  const out = path.join(dir, `${name}.p12`);
  await runChecked('openssl', ['pkcs12', '-export', '-inkey', cert.keyFile, '-in', cert.chainFile, '-passout', `file:${passFile}`, '-name', name, '-out', out]);
  return out;
}
