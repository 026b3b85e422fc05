/**
 * PBES2 (RFC 8018 §6.2): PBKDF2 through node:crypto's async pbkdf2 (off the event loop), then a
 * CBC cipher. Reads every PRF and CBC cipher tools emit; writes what OpenSSL 3 writes.
 */
import * as crypto from 'node:crypto';
import { promisify } from 'node:util';
import { OctetString } from '@peculiar/asn1-schema';
import type { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { algorithm, bytes, parseAs, Pbes2Params, Pbkdf2Params, Rc2CbcParams, toCount } from './asn1';
import { cbcDecrypt, cbcEncrypt, type BlockCipherName } from './ciphers';
import { checkIterations, invalidPkcs12, unsupportedPkcs12 } from './errors';
import { HMAC_DIGESTS, OID } from './oids';
import { DIGEST_LABELS, MAX_SALT_BYTES, type PbeScheme } from './scheme';

const pbkdf2 = promisify(crypto.pbkdf2);

/** A PBKDF2 derivation read from its AlgorithmIdentifier. */
export interface Pbkdf2 {
  salt: Buffer;
  iterations: number;
  /** Key length the parameters state, if they do. */
  keyLength?: number;
  /** node:crypto digest name of the HMAC PRF. */
  digest: string;
}

/** CBC ciphers PBES2 may name: family, key bytes, readable name. */
const CBC_CIPHERS: Readonly<Record<string, { name: BlockCipherName; keyBytes: number; label: string }>> = {
  [OID.aes128Cbc]: { name: 'AES', keyBytes: 16, label: 'AES-128-CBC' },
  [OID.aes192Cbc]: { name: 'AES', keyBytes: 24, label: 'AES-192-CBC' },
  [OID.aes256Cbc]: { name: 'AES', keyBytes: 32, label: 'AES-256-CBC' },
  [OID.desEde3Cbc]: { name: '3DES', keyBytes: 24, label: 'DES-EDE3-CBC' },
  [OID.desCbc]: { name: 'DES', keyBytes: 8, label: 'DES-CBC' },
  [OID.rc2Cbc]: { name: 'RC2', keyBytes: 16, label: 'RC2-CBC' },
};

/** Reads PBKDF2 parameters; refuses other KDFs, odd salts and absurd iteration counts. */
export function readPbkdf2(kdf: AlgorithmIdentifier, maxIterations: number): Pbkdf2 {
  if (kdf.algorithm !== OID.pbkdf2) {
    throw unsupportedPkcs12(`it uses the key derivation ${kdf.algorithm}, which Keyport does not support; re-export it with PBKDF2`);
  }
  if (!kdf.parameters) throw invalidPkcs12('its PBKDF2 parameters are missing; the file is damaged');
  const p = parseAs(kdf.parameters, Pbkdf2Params, 'its PBKDF2 parameters are');
  const iterations = toCount(p.iterationCount);
  checkIterations(iterations, maxIterations);
  const salt = bytes(p.salt.buffer);
  if (salt.length > MAX_SALT_BYTES) throw invalidPkcs12('its PBKDF2 salt is implausibly long; the file is damaged');
  const prf = p.prf?.algorithm ?? OID.hmacWithSha1;
  const digest = HMAC_DIGESTS[prf];
  if (!digest) throw unsupportedPkcs12(`its PBKDF2 uses the PRF ${prf}, which Keyport does not support`);
  const keyLength = p.keyLength === undefined ? undefined : toCount(p.keyLength);
  if (keyLength !== undefined && !(keyLength >= 1 && keyLength <= 64)) {
    throw invalidPkcs12('its PBKDF2 key length is invalid; the file is damaged');
  }
  return { salt, iterations, keyLength, digest };
}

/** Runs PBKDF2 off the event loop. */
export function derivePbkdf2(kdf: Pbkdf2, password: Buffer, size: number): Promise<Buffer> {
  return pbkdf2(password, kdf.salt, kdf.iterations, size, kdf.digest);
}

/** The PBES2 scheme named by `params` (the parameters of a PBES2 AlgorithmIdentifier). */
export function pbes2Scheme(params: ArrayBuffer | null | undefined, maxIterations: number): PbeScheme {
  if (!params) throw invalidPkcs12('its PBES2 parameters are missing; the file is damaged');
  const p = parseAs(params, Pbes2Params, 'its PBES2 parameters are');
  const kdf = readPbkdf2(p.keyDerivationFunc, maxIterations);
  const cipher = CBC_CIPHERS[p.encryptionScheme.algorithm];
  if (!cipher) {
    throw unsupportedPkcs12(`it is encrypted with ${p.encryptionScheme.algorithm}, which Keyport does not support; re-export it with AES`);
  }
  const { iv, rc2Bits } = readCipherParams(cipher.name, p.encryptionScheme.parameters);
  const keyBytes = cipher.name === 'RC2' ? (kdf.keyLength ?? cipher.keyBytes) : cipher.keyBytes;
  if (kdf.keyLength !== undefined && kdf.keyLength !== keyBytes) {
    throw invalidPkcs12('its PBKDF2 key length does not fit its cipher; the file is damaged');
  }
  return {
    description: `PBES2 (PBKDF2-HMAC-${DIGEST_LABELS[kdf.digest]}, ${cipher.label}, ${kdf.iterations} iterations)`,
    passwordKind: 'pbkdf2',
    async decrypt(data, password) {
      const key = await derivePbkdf2(kdf, password, keyBytes);
      return cbcDecrypt(cipher.name, key, iv, data, rc2Bits);
    },
  };
}

/** The IV (and RC2's effective key bits) from the cipher's parameters. */
function readCipherParams(name: BlockCipherName, params: ArrayBuffer | null | undefined): { iv: Buffer; rc2Bits?: number } {
  if (!params) throw invalidPkcs12('its cipher parameters are missing; the file is damaged');
  if (name !== 'RC2') return { iv: bytes(parseAs(params, OctetString, 'its cipher IV is').buffer) };
  const p = parseAs(params, Rc2CbcParams, 'its RC2 parameters are');
  // An absent version means 32 effective bits (RFC 8018 §B.2.3).
  const rc2Bits = p.rc2ParameterVersion === undefined ? 32 : rc2EffectiveBits(toCount(p.rc2ParameterVersion));
  return { iv: bytes(p.iv.buffer), rc2Bits };
}

/** RFC 8018 §B.2.3: versions 160, 120 and 58 encode 40, 64 and 128 bits; 256 and up are literal. */
function rc2EffectiveBits(version: number): number {
  const table: Record<number, number> = { 160: 40, 120: 64, 58: 128 };
  const bits = table[version] ?? (version >= 256 && version <= 1024 ? version : undefined);
  if (bits === undefined) throw unsupportedPkcs12(`it uses an RC2 variant (${version}) Keyport does not support`);
  return bits;
}

/** Encrypts like OpenSSL 3: PBKDF2-HMAC-SHA256, AES-256-CBC, a 16-byte salt. */
export async function pbes2Encrypt(
  data: Buffer,
  utf8Password: Buffer,
  iterations: number,
): Promise<{ algorithm: AlgorithmIdentifier; encrypted: Buffer }> {
  const salt = crypto.randomBytes(16);
  const iv = crypto.randomBytes(16);
  const key = await pbkdf2(utf8Password, salt, iterations, 32, 'sha256');
  const kdfParams = new Pbkdf2Params();
  kdfParams.salt = new OctetString(salt);
  kdfParams.iterationCount = iterations;
  kdfParams.prf = algorithm(OID.hmacWithSha256, null);
  const params = new Pbes2Params();
  params.keyDerivationFunc = algorithm(OID.pbkdf2, kdfParams);
  params.encryptionScheme = algorithm(OID.aes256Cbc, new OctetString(iv));
  return { algorithm: algorithm(OID.pbes2, params), encrypted: cbcEncrypt('AES', key, iv, data) };
}
