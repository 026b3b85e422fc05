/** Valid PKCS#12 files to mutate: OpenSSL's flavours and Keyport's own, all with cheap key derivation. */
import * as crypto from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPkcs12 } from '../../src/core/pki/pkcs12';
import { bundle, makePki, passwordFile, run } from './tools';

/** A fuzzing seed: a valid file and the password that opens it. */
export interface FuzzSeed {
  name: string;
  data: Buffer;
  password: string | null;
}

/** Makes the seeds in `dir` with openssl and buildPkcs12. */
export async function makeFuzzSeeds(dir: string): Promise<FuzzSeed[]> {
  const pki = (name: string, alg: Parameters<typeof makePki>[1]) => {
    mkdirSync(join(dir, name));
    return makePki(join(dir, name), alg);
  };
  const ec = pki('ec', 'EC-P256');
  const rsa = pki('rsa', 'RSA-2048');
  const ed = pki('ed', 'Ed25519');
  const pass = passwordFile(dir, 'seed.pass', 'fuzz');
  const openssl = (name: string, p: typeof ec, extra: string[]): FuzzSeed => {
    const out = join(dir, `${name}.p12`);
    const chain = bundle(dir, `${name}.pem`, [p.rootPath, p.leafPath, p.intermediatePath]);
    const plain = extra.includes('NONE');
    run('openssl', ['pkcs12', '-export', '-inkey', p.keyPath, '-in', chain, '-name', name, '-passout',
      plain ? 'pass:' : `file:${pass}`, '-out', out, ...extra]);
    return { name, data: readFileSync(out), password: plain ? null : 'fuzz' };
  };
  const edKey = crypto.createPrivateKey(readFileSync(ed.keyPath)).export({ format: 'der', type: 'pkcs8' });
  return [
    openssl('openssl-default-ec', ec, []),
    openssl('openssl-legacy-rsa', rsa, ['-legacy']),
    openssl('openssl-nomac-ec', ec, ['-nomac']),
    openssl('openssl-nomac-legacy-ec', ec, ['-nomac', '-legacy']),
    openssl('openssl-plain-rsa', rsa, ['-keypbe', 'NONE', '-certpbe', 'NONE', '-nomac']),
    openssl('openssl-plain-ed25519', ed, ['-keypbe', 'NONE', '-certpbe', 'NONE', '-nomac']),
    {
      name: 'keyport-modern-ed25519',
      data: await buildPkcs12({ keyPkcs8: edKey, chain: ed.chainDer, password: 'fuzz', friendlyName: 'fuzz' }),
      password: 'fuzz',
    },
  ];
}
