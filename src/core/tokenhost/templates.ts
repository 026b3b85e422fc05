/**
 * PKCS#11 templates for the keys Keyport puts on tokens: private keys are token objects that are
 * private, sensitive, non-extractable and may only sign; the public key is stored beside them
 * with the same CKA_ID so other applications see the pair.
 */
import { createPrivateKey, randomBytes, type JsonWebKey } from 'node:crypto';
import * as pkcs11 from 'pkcs11js';
import { KeyportError } from '../../shared/errors';
import type { KeyAlgorithm } from '../keystores/types';
import { Curves, ecParamsDer, type CurveName } from './key-attributes';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';

/** A fresh random CKA_ID (the same on private key, public key and certificate). */
export function newKeyId(): Buffer {
  return randomBytes(16);
}

function privateKeyTemplate(keyType: number, id: Buffer, label: string): pkcs11.Template {
  return [
    { type: pkcs11.CKA_CLASS, value: pkcs11.CKO_PRIVATE_KEY },
    { type: pkcs11.CKA_KEY_TYPE, value: keyType },
    { type: pkcs11.CKA_TOKEN, value: true },
    { type: pkcs11.CKA_PRIVATE, value: true },
    { type: pkcs11.CKA_SENSITIVE, value: true },
    { type: pkcs11.CKA_EXTRACTABLE, value: false },
    { type: pkcs11.CKA_SIGN, value: true },
    { type: pkcs11.CKA_ID, value: id },
    { type: pkcs11.CKA_LABEL, value: label },
  ];
}

function publicKeyTemplate(keyType: number, id: Buffer, label: string): pkcs11.Template {
  return [
    { type: pkcs11.CKA_CLASS, value: pkcs11.CKO_PUBLIC_KEY },
    { type: pkcs11.CKA_KEY_TYPE, value: keyType },
    { type: pkcs11.CKA_TOKEN, value: true },
    { type: pkcs11.CKA_PRIVATE, value: false },
    { type: pkcs11.CKA_VERIFY, value: true },
    { type: pkcs11.CKA_ID, value: id },
    { type: pkcs11.CKA_LABEL, value: label },
  ];
}

/** Mechanism and templates for C_GenerateKeyPair. */
export function generationTemplates(algorithm: KeyAlgorithm, id: Buffer, label: string) {
  if (algorithm === 'EC-P256' || algorithm === 'EC-P384') {
    const curve: CurveName = algorithm === 'EC-P256' ? 'P-256' : 'P-384';
    return {
      mechanism: { mechanism: pkcs11.CKM_EC_KEY_PAIR_GEN },
      publicKey: [...publicKeyTemplate(pkcs11.CKK_EC, id, label), { type: pkcs11.CKA_EC_PARAMS, value: ecParamsDer(curve) }],
      privateKey: privateKeyTemplate(pkcs11.CKK_EC, id, label),
    };
  }
  const bits = algorithm === 'RSA-2048' ? 2048 : 3072;
  return {
    mechanism: { mechanism: pkcs11.CKM_RSA_PKCS_KEY_PAIR_GEN },
    publicKey: [
      ...publicKeyTemplate(pkcs11.CKK_RSA, id, label),
      { type: pkcs11.CKA_MODULUS_BITS, value: bits },
      { type: pkcs11.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) },
    ],
    privateKey: privateKeyTemplate(pkcs11.CKK_RSA, id, label),
  };
}

/** Templates for C_CreateObject of an imported PKCS#8 key and its public half. */
export function importTemplates(pkcs8: Buffer, id: Buffer, label: string): { privateKey: pkcs11.Template; publicKey: pkcs11.Template } {
  const jwk = parsePkcs8(pkcs8);
  const b = (v: string | undefined): Buffer => Buffer.from(v ?? '', 'base64url');
  if (jwk.kty === 'EC') {
    const curve = jwk.crv as CurveName;
    const params = { type: pkcs11.CKA_EC_PARAMS, value: ecParamsDer(curve) };
    const point = Buffer.concat([Buffer.from([4]), b(jwk.x), b(jwk.y)]);
    return {
      privateKey: [...privateKeyTemplate(pkcs11.CKK_EC, id, label), params, { type: pkcs11.CKA_VALUE, value: b(jwk.d) }],
      publicKey: [
        ...publicKeyTemplate(pkcs11.CKK_EC, id, label),
        params,
        { type: pkcs11.CKA_EC_POINT, value: Buffer.from(AsnConvert.serialize(new OctetString(point))) },
      ],
    };
  }
  const modulus = { type: pkcs11.CKA_MODULUS, value: b(jwk.n) };
  const exponent = { type: pkcs11.CKA_PUBLIC_EXPONENT, value: b(jwk.e) };
  return {
    privateKey: [
      ...privateKeyTemplate(pkcs11.CKK_RSA, id, label),
      modulus,
      exponent,
      { type: pkcs11.CKA_PRIVATE_EXPONENT, value: b(jwk.d) },
      { type: pkcs11.CKA_PRIME_1, value: b(jwk.p) },
      { type: pkcs11.CKA_PRIME_2, value: b(jwk.q) },
      { type: pkcs11.CKA_EXPONENT_1, value: b(jwk.dp) },
      { type: pkcs11.CKA_EXPONENT_2, value: b(jwk.dq) },
      { type: pkcs11.CKA_COEFFICIENT, value: b(jwk.qi) },
    ],
    publicKey: [...publicKeyTemplate(pkcs11.CKK_RSA, id, label), modulus, exponent],
  };
}

/** The key as JWK, accepting only the key types and sizes Keyport supports. */
function parsePkcs8(pkcs8: Buffer): JsonWebKey {
  let jwk: JsonWebKey;
  try {
    jwk = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ format: 'jwk' });
  } catch (e) {
    throw new KeyportError('KEYPORT_KEY_INVALID', 'Cannot import the private key: it is not a valid PKCS#8 key; export it again as PKCS#8.', { cause: e });
  }
  const rsaBits = jwk.kty === 'RSA' ? Buffer.from(jwk.n ?? '', 'base64url').length * 8 : 0;
  const ok = (jwk.kty === 'EC' && jwk.crv !== undefined && jwk.crv in Curves) || rsaBits === 2048 || rsaBits === 3072;
  if (!ok) {
    // OKP is JWK's name for Ed25519/Ed448 keys; users know them by their curve.
    const what = jwk.kty === 'RSA' ? `RSA-${rsaBits}` : jwk.kty === 'EC' ? `EC ${jwk.crv}` : String(jwk.crv ?? jwk.kty ?? 'this key type');
    throw new KeyportError('KEYPORT_KEY_UNSUPPORTED', `Cannot import the private key: ${what} is not supported on tokens; use EC P-256/P-384 or RSA-2048/3072.`);
  }
  return jwk;
}
