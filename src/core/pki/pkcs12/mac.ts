/**
 * The PFX integrity check: the classic HMAC keyed by the PKCS#12 KDF (RFC 7292 §5, App. B) and
 * PBMAC1 (RFC 9579). Verifying it also tells which password encoding the file was made with.
 */
import * as crypto from 'node:crypto';
import { OctetString } from '@peculiar/asn1-schema';
import { MacData } from '@peculiar/asn1-pfx';
import { DigestInfo } from '@peculiar/asn1-rsa';
import { algorithm, bytes, parseAs, Pbmac1Params, toCount } from './asn1';
import { checkIterations, invalidPkcs12, unsupportedPkcs12, wrongPassword } from './errors';
import { KdfPurpose, pkcs12Kdf } from './kdf';
import { DIGESTS, HMAC_DIGESTS, OID } from './oids';
import { preferring, type PasswordSet } from './password';
import { derivePbkdf2, readPbkdf2 } from './pbes2';
import { DIGEST_LABELS, MAX_SALT_BYTES } from './scheme';

/** A verified MAC: its description and the password encodings with the proven one first. */
export interface MacResult {
  description: string;
  passwords: PasswordSet;
}

/** Verifies `macData` over `authSafe` (the AuthenticatedSafe DER); "wrong password" when no encoding fits. */
export async function verifyMac(
  macData: MacData,
  authSafe: Buffer,
  passwords: PasswordSet,
  maxIterations: number,
): Promise<MacResult> {
  const expected = bytes(macData.mac.digest.buffer);
  const algorithmOid = macData.mac.digestAlgorithm.algorithm;
  if (algorithmOid === OID.pbmac1) return verifyPbmac1(macData, authSafe, expected, passwords, maxIterations);
  const digest = DIGESTS[algorithmOid];
  if (!digest) throw unsupportedPkcs12(`its integrity check uses ${algorithmOid}, which Keyport does not support`);
  const iterations = toCount(macData.iterations);
  checkIterations(iterations, maxIterations);
  const salt = bytes(macData.macSalt.buffer);
  if (salt.length > MAX_SALT_BYTES) throw invalidPkcs12('its MAC salt is implausibly long; the file is damaged');
  const size = crypto.createHash(digest).digest().length;
  for (const password of passwords.kdf12) {
    const key = await pkcs12Kdf(digest, password, salt, iterations, KdfPurpose.mac, size);
    if (matches(crypto.createHmac(digest, key).update(authSafe).digest(), expected)) {
      return {
        description: `HMAC-${DIGEST_LABELS[digest]} (${iterations} iterations)`,
        passwords: { ...passwords, kdf12: preferring(passwords.kdf12, password) },
      };
    }
  }
  throw wrongPassword();
}

async function verifyPbmac1(
  macData: MacData,
  authSafe: Buffer,
  expected: Buffer,
  passwords: PasswordSet,
  maxIterations: number,
): Promise<MacResult> {
  const raw = macData.mac.digestAlgorithm.parameters;
  if (!raw) throw invalidPkcs12('its PBMAC1 parameters are missing; the file is damaged');
  const params = parseAs(raw, Pbmac1Params, 'its PBMAC1 parameters are');
  const kdf = readPbkdf2(params.keyDerivationFunc, maxIterations);
  const hmac = HMAC_DIGESTS[params.messageAuthScheme.algorithm];
  if (!hmac) throw unsupportedPkcs12(`its PBMAC1 uses ${params.messageAuthScheme.algorithm}, which Keyport does not support`);
  const size = kdf.keyLength ?? crypto.createHash(hmac).digest().length;
  for (const password of passwords.pbkdf2) {
    const key = await derivePbkdf2(kdf, password, size);
    if (matches(crypto.createHmac(hmac, key).update(authSafe).digest(), expected)) {
      return {
        description: `PBMAC1 (PBKDF2-HMAC-${DIGEST_LABELS[kdf.digest]}, HMAC-${DIGEST_LABELS[hmac]}, ${kdf.iterations} iterations)`,
        passwords: { ...passwords, pbkdf2: preferring(passwords.pbkdf2, password) },
      };
    }
  }
  throw wrongPassword();
}

function matches(actual: Buffer, expected: Buffer): boolean {
  return actual.length === expected.length && crypto.timingSafeEqual(actual, expected);
}

/** The classic MAC over `authSafe`, as OpenSSL writes it (8-byte salt). */
export async function computeMac(
  authSafe: Buffer,
  bmpPassword: Buffer,
  digest: 'sha1' | 'sha256',
  iterations: number,
): Promise<MacData> {
  const salt = crypto.randomBytes(8);
  const size = digest === 'sha1' ? 20 : 32;
  const key = await pkcs12Kdf(digest, bmpPassword, salt, iterations, KdfPurpose.mac, size);
  const mac = new DigestInfo();
  mac.digestAlgorithm = algorithm(digest === 'sha1' ? OID.sha1 : OID.sha256, null);
  mac.digest = new OctetString(crypto.createHmac(digest, key).update(authSafe).digest());
  const macData = new MacData();
  macData.mac = mac;
  macData.macSalt = new OctetString(salt);
  macData.iterations = iterations;
  return macData;
}
