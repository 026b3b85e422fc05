import { createPublicKey, type KeyObject } from 'node:crypto';
import { KeyportError } from '../../shared/errors';

const CURVE_NAMES: Record<string, string> = {
  prime256v1: 'EC-P256',
  'P-256': 'EC-P256',
  secp384r1: 'EC-P384',
  'P-384': 'EC-P384',
  secp521r1: 'EC-P521',
  'P-521': 'EC-P521',
};

/** Keyport's name for a key's algorithm: `RSA-2048`, `EC-P256`, `EC-P384`, `Ed25519`, ... */
export function keyAlgorithmName(key: KeyObject): string {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss':
      return `RSA-${details.modulusLength ?? 0}`;
    case 'ec':
      return CURVE_NAMES[details.namedCurve ?? ''] ?? `EC-${details.namedCurve ?? 'unknown'}`;
    case 'ed25519':
      return 'Ed25519';
    case 'ed448':
      return 'Ed448';
    default:
      return String(key.asymmetricKeyType ?? 'unknown');
  }
}

/** The public key of a SubjectPublicKeyInfo DER, or a clear error. */
export function publicKeyFromSpki(spki: Buffer): KeyObject {
  try {
    return createPublicKey({ key: spki, format: 'der', type: 'spki' });
  } catch (e) {
    throw new KeyportError('KEYPORT_KEY_INVALID', `Cannot read public key: ${(e as Error).message}.`, { cause: e });
  }
}

/** SPKI DER of any key object (public or private). */
export function spkiOf(key: KeyObject): Buffer {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return pub.export({ format: 'der', type: 'spki' });
}
