/**
 * PKCS#12 password-based encryption (RFC 7292 App. C): SHA-1 through the PKCS#12 KDF, then
 * 3DES, RC2 or RC4. These are what `openssl -legacy`, old Windows, macOS and Java read and write.
 */
import * as crypto from 'node:crypto';
import { OctetString } from '@peculiar/asn1-schema';
import type { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { algorithm, bytes, parseAs, Pkcs12PbeParams, toCount } from './asn1';
import { cbcDecrypt, cbcEncrypt, rc4, type BlockCipherName } from './ciphers';
import { checkIterations, invalidPkcs12 } from './errors';
import { KdfPurpose, pkcs12Kdf } from './kdf';
import { OID } from './oids';
import { MAX_SALT_BYTES, type PbeScheme } from './scheme';

interface LegacyCipher {
  cipher: BlockCipherName | 'RC4';
  keyBytes: number;
  label: string;
}

/** The PKCS#12 PBE algorithms, by OID. */
export const LEGACY_PBE: Readonly<Record<string, LegacyCipher>> = {
  [OID.pbeSha1TripleDes]: { cipher: '3DES', keyBytes: 24, label: 'pbeWithSHAAnd3-KeyTripleDES-CBC' },
  [OID.pbeSha1TwoKeyTripleDes]: { cipher: '3DES', keyBytes: 16, label: 'pbeWithSHAAnd2-KeyTripleDES-CBC' },
  [OID.pbeSha1Rc2_128]: { cipher: 'RC2', keyBytes: 16, label: 'pbeWithSHAAnd128BitRC2-CBC' },
  [OID.pbeSha1Rc2_40]: { cipher: 'RC2', keyBytes: 5, label: 'pbeWithSHAAnd40BitRC2-CBC' },
  [OID.pbeSha1Rc4_128]: { cipher: 'RC4', keyBytes: 16, label: 'pbeWithSHAAnd128BitRC4' },
  [OID.pbeSha1Rc4_40]: { cipher: 'RC4', keyBytes: 5, label: 'pbeWithSHAAnd40BitRC4' },
};

/** The scheme for a PKCS#12 PBE algorithm `oid` (one of LEGACY_PBE) with its parameters. */
export function legacyPbeScheme(oid: string, params: ArrayBuffer | null | undefined, maxIterations: number): PbeScheme {
  const spec = LEGACY_PBE[oid];
  if (!spec) throw new Error(`not a PKCS#12 PBE algorithm: ${oid}`);
  if (!params) throw invalidPkcs12('its encryption parameters are missing; the file is damaged');
  const p = parseAs(params, Pkcs12PbeParams, 'its encryption parameters are');
  const iterations = toCount(p.iterations);
  checkIterations(iterations, maxIterations);
  const salt = bytes(p.salt.buffer);
  if (salt.length > MAX_SALT_BYTES) throw invalidPkcs12('its encryption salt is implausibly long; the file is damaged');
  return {
    description: `${spec.label} (${iterations} iterations)`,
    passwordKind: 'kdf12',
    async decrypt(data, password) {
      const { key, iv } = await deriveKeyAndIv(spec, password, salt, iterations);
      if (spec.cipher === 'RC4') return rc4(key, data);
      return cbcDecrypt(spec.cipher, key, iv, data, spec.keyBytes * 8);
    },
  };
}

/** Encrypts with a PKCS#12 PBE algorithm (3DES or RC2 ones), an 8-byte salt like OpenSSL. */
export async function legacyPbeEncrypt(
  oid: typeof OID.pbeSha1TripleDes | typeof OID.pbeSha1Rc2_40,
  data: Buffer,
  bmpPassword: Buffer,
  iterations: number,
): Promise<{ algorithm: AlgorithmIdentifier; encrypted: Buffer }> {
  const spec = LEGACY_PBE[oid]!;
  const salt = crypto.randomBytes(8);
  const { key, iv } = await deriveKeyAndIv(spec, bmpPassword, salt, iterations);
  const params = new Pkcs12PbeParams();
  params.salt = new OctetString(salt);
  params.iterations = iterations;
  const encrypted = cbcEncrypt(spec.cipher as BlockCipherName, key, iv, data, spec.keyBytes * 8);
  return { algorithm: algorithm(oid, params), encrypted };
}

async function deriveKeyAndIv(
  spec: LegacyCipher,
  password: Buffer,
  salt: Buffer,
  iterations: number,
): Promise<{ key: Buffer; iv: Buffer }> {
  const raw = await pkcs12Kdf('sha1', password, salt, iterations, KdfPurpose.key, spec.keyBytes);
  // Two-key 3DES is K1 K2 K1.
  const key = spec.cipher === '3DES' && raw.length === 16 ? Buffer.concat([raw, raw.subarray(0, 8)]) : raw;
  const iv = spec.cipher === 'RC4' ? Buffer.alloc(0) : await pkcs12Kdf('sha1', password, salt, iterations, KdfPurpose.iv, 8);
  return { key, iv };
}
