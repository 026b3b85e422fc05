/**
 * Reads a key's type and public half from PKCS#11 attributes and turns them into the
 * SubjectPublicKeyInfo and KeyAlgorithm names Keyport uses.
 */
import { createPublicKey } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { ECParameters, id_secp256r1, id_secp384r1 } from '@peculiar/asn1-ecc';
import * as pkcs11 from 'pkcs11js';
import { KeyportError } from '../../shared/errors';
import type { KeyAlgorithm } from '../keystores/types';

/** The curves Keyport generates and signs with. */
export const Curves = {
  'P-256': { algorithm: 'EC-P256', oid: id_secp256r1, size: 32 },
  'P-384': { algorithm: 'EC-P384', oid: id_secp384r1, size: 48 },
} as const;
export type CurveName = keyof typeof Curves;

/** DER of the ECParameters (namedCurve OID) for CKA_EC_PARAMS. */
export function ecParamsDer(curve: CurveName): Buffer {
  return Buffer.from(AsnConvert.serialize(new ECParameters({ namedCurve: Curves[curve].oid })));
}

/** The curve named by CKA_EC_PARAMS, or undefined for curves Keyport does not use. */
export function curveOf(ecParams: Buffer): CurveName | undefined {
  return (Object.keys(Curves) as CurveName[]).find((c) => ecParamsDer(c).equals(ecParams));
}

/** The public half of a key as read from the token. */
export type PublicParts =
  | { type: 'ec'; curve: CurveName; point: Buffer }
  | { type: 'rsa'; modulus: Buffer; exponent: Buffer };

/** Reads the public parts of a key object (public or private key, whichever holds them). */
export function readPublicParts(lib: pkcs11.PKCS11, session: pkcs11.Handle, handle: pkcs11.Handle): PublicParts {
  const keyType = readNumber(lib, session, handle, pkcs11.CKA_KEY_TYPE);
  if (keyType === pkcs11.CKK_EC) {
    const [params, point] = lib.C_GetAttributeValue(session, handle, [
      { type: pkcs11.CKA_EC_PARAMS },
      { type: pkcs11.CKA_EC_POINT },
    ]);
    const curve = curveOf(params?.value as Buffer);
    if (!curve) throw unsupported('an EC key on a curve other than P-256 or P-384');
    return { type: 'ec', curve, point: unwrapPoint(point?.value as Buffer, Curves[curve].size) };
  }
  if (keyType === pkcs11.CKK_RSA) {
    const [modulus, exponent] = lib.C_GetAttributeValue(session, handle, [
      { type: pkcs11.CKA_MODULUS },
      { type: pkcs11.CKA_PUBLIC_EXPONENT },
    ]);
    return { type: 'rsa', modulus: modulus?.value as Buffer, exponent: exponent?.value as Buffer };
  }
  throw unsupported(`a key of PKCS#11 type 0x${keyType.toString(16)}`);
}

/** The KeyAlgorithm of a key, refusing sizes Keyport does not handle. */
export function algorithmOf(parts: PublicParts): KeyAlgorithm {
  if (parts.type === 'ec') return Curves[parts.curve].algorithm;
  const bits = stripZeros(parts.modulus).length * 8;
  if (bits === 2048) return 'RSA-2048';
  if (bits === 3072) return 'RSA-3072';
  throw unsupported(`an RSA-${bits} key`);
}

/** SubjectPublicKeyInfo DER of the public parts. */
export function spkiOf(parts: PublicParts): Buffer {
  const b64 = (b: Buffer): string => b.toString('base64url');
  const jwk =
    parts.type === 'ec'
      ? {
          kty: 'EC',
          crv: parts.curve,
          x: b64(parts.point.subarray(1, 1 + Curves[parts.curve].size)),
          y: b64(parts.point.subarray(1 + Curves[parts.curve].size)),
        }
      : { kty: 'RSA', n: b64(stripZeros(parts.modulus)), e: b64(stripZeros(parts.exponent)) };
  return createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'der' });
}

/** Reads one CK_ULONG attribute. */
export function readNumber(lib: pkcs11.PKCS11, session: pkcs11.Handle, handle: pkcs11.Handle, type: number): number {
  const [attr] = lib.C_GetAttributeValue(session, handle, [{ type }]);
  return (attr?.value as Buffer).readUIntLE(0, Math.min(6, (attr?.value as Buffer).length));
}

/** CKA_EC_POINT is a DER OCTET STRING by the standard, but some modules return the raw point. */
function unwrapPoint(value: Buffer, size: number): Buffer {
  if (value.length === 1 + 2 * size && value[0] === 0x04) return value;
  const inner = Buffer.from(AsnConvert.parse(value, OctetString).buffer);
  if (inner.length !== 1 + 2 * size || inner[0] !== 0x04) throw unsupported('an EC key with a compressed or malformed public point');
  return inner;
}

function stripZeros(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
}

function unsupported(what: string): KeyportError {
  return new KeyportError('KEYPORT_KEY_UNSUPPORTED', `The token holds ${what}, which Keyport does not support; use an EC P-256/P-384 or RSA-2048/3072 key.`);
}
