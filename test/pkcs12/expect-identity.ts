/** Checks that what Keyport read from a PKCS#12 file is exactly what the tool was given. */
import { expect } from 'vitest';
import { parsePkcs12, pickIdentity, type Pkcs12Contents } from '../../src/core/pki/pkcs12';
import { publicSpkiOf, sha256Hex, type TestPki } from './tools';

/** Parses `file` with `password` and checks key, chain order and algorithm against `pki`. */
export async function expectIdentity(
  file: Buffer,
  password: string | null,
  pki: TestPki,
  opts: { chainLength?: number; friendlyName?: string } = {},
): Promise<Pkcs12Contents> {
  const contents = await parsePkcs12(file, password);
  const identity = pickIdentity(contents);
  expect(publicSpkiOf(identity.keyPkcs8).equals(pki.keySpki)).toBe(true);
  expect(identity.keyAlgorithm).toBe(pki.alg);
  const length = opts.chainLength ?? 3;
  expect(identity.chain.map(sha256Hex)).toEqual(pki.fingerprints.slice(0, length));
  expect(identity.extraCerts).toEqual([]);
  if (opts.friendlyName !== undefined) expect(identity.friendlyName).toBe(opts.friendlyName);
  return contents;
}
