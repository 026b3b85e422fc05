import { constants, verify, type KeyObject } from 'node:crypto';
import { SignatureSchemes, type SignatureScheme } from '../keystores/types';
import { AlertDescription } from './constants';
import { TlsError } from './tls-error';

/** How to check one TLS signature scheme with node:crypto. */
interface SchemeInfo {
  name: string;
  hash: 'sha256' | 'sha384' | 'sha512' | null;
  kind: 'ecdsa' | 'rsa-pss-rsae' | 'rsa-pss-pss' | 'rsa-pkcs1' | 'ed25519';
  /** 1.3 binds ECDSA schemes to a curve (node's namedCurve). */
  curve?: string;
}

const SCHEMES = new Map<number, SchemeInfo>([
  [0x0403, { name: 'ecdsa_secp256r1_sha256', hash: 'sha256', kind: 'ecdsa', curve: 'prime256v1' }],
  [0x0503, { name: 'ecdsa_secp384r1_sha384', hash: 'sha384', kind: 'ecdsa', curve: 'secp384r1' }],
  [0x0603, { name: 'ecdsa_secp521r1_sha512', hash: 'sha512', kind: 'ecdsa', curve: 'secp521r1' }],
  [0x0807, { name: 'ed25519', hash: null, kind: 'ed25519' }],
  [0x0804, { name: 'rsa_pss_rsae_sha256', hash: 'sha256', kind: 'rsa-pss-rsae' }],
  [0x0805, { name: 'rsa_pss_rsae_sha384', hash: 'sha384', kind: 'rsa-pss-rsae' }],
  [0x0806, { name: 'rsa_pss_rsae_sha512', hash: 'sha512', kind: 'rsa-pss-rsae' }],
  [0x0809, { name: 'rsa_pss_pss_sha256', hash: 'sha256', kind: 'rsa-pss-pss' }],
  [0x080a, { name: 'rsa_pss_pss_sha384', hash: 'sha384', kind: 'rsa-pss-pss' }],
  [0x080b, { name: 'rsa_pss_pss_sha512', hash: 'sha512', kind: 'rsa-pss-pss' }],
  [0x0401, { name: 'rsa_pkcs1_sha256', hash: 'sha256', kind: 'rsa-pkcs1' }],
  [0x0501, { name: 'rsa_pkcs1_sha384', hash: 'sha384', kind: 'rsa-pkcs1' }],
  [0x0601, { name: 'rsa_pkcs1_sha512', hash: 'sha512', kind: 'rsa-pkcs1' }],
]);

/** The schemes we offer in signature_algorithms (every one we can verify). */
export const OFFERED_SCHEMES: readonly number[] = [...SCHEMES.keys()];

/** Readable name of a scheme id, e.g. "rsa_pss_rsae_sha256" or "0x0203". */
export function schemeName(id: number): string {
  return SCHEMES.get(id)?.name ?? `0x${id.toString(16).padStart(4, '0')}`;
}

type Version = 'TLSv1.2' | 'TLSv1.3';

/** RSA PKCS#1 v1.5 is not allowed for 1.3 handshake signatures (RFC 8446 §4.2.3). */
function allowedIn(version: Version, info: SchemeInfo): boolean {
  return version === 'TLSv1.2' || info.kind !== 'rsa-pkcs1';
}

function keyMatches(version: Version, info: SchemeInfo, key: KeyObject): boolean {
  const type = key.asymmetricKeyType;
  switch (info.kind) {
    case 'ecdsa':
      return type === 'ec' && (version === 'TLSv1.2' || key.asymmetricKeyDetails?.namedCurve === info.curve);
    case 'ed25519':
      return type === 'ed25519';
    case 'rsa-pss-pss':
      return type === 'rsa-pss';
    default:
      return type === 'rsa';
  }
}

/**
 * Checks the server's handshake signature (1.3 CertificateVerify, 1.2 ServerKeyExchange)
 * over `data` with the leaf's key; throws a TlsError naming what was wrong.
 */
export function verifyServerSignature(version: Version, schemeId: number, key: KeyObject, data: Buffer, signature: Buffer): string {
  const info = SCHEMES.get(schemeId);
  if (!info || !allowedIn(version, info) || !keyMatches(version, info, key)) {
    throw new TlsError(
      'KEYPORT_TLS_PROTOCOL',
      `The server signed with ${schemeName(schemeId)}, which was not offered or does not fit its ${key.asymmetricKeyType} key.`,
      AlertDescription.illegal_parameter,
    );
  }
  const pss = info.kind === 'rsa-pss-rsae' || info.kind === 'rsa-pss-pss';
  const ok = verify(
    info.hash,
    data,
    pss
      ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
      : info.kind === 'ecdsa'
        ? { key, dsaEncoding: 'der' }
        : key,
    signature,
  );
  if (!ok) {
    throw new TlsError(
      'KEYPORT_TLS_DECRYPT_ERROR',
      "The server's handshake signature does not verify with its certificate's key; the server is misconfigured or someone is impersonating it.",
      AlertDescription.decrypt_error,
    );
  }
  return info.name;
}

/**
 * The scheme to sign our CertificateVerify with: the signer's most preferred scheme that the
 * server accepts and `version` allows (on 1.2 RSA-PSS if the server lists it, else PKCS#1).
 */
export function chooseClientScheme(version: Version, serverSchemes: readonly number[], signer: { algorithm: string; schemes: readonly SignatureScheme[] }): SignatureScheme {
  for (const name of signer.schemes) {
    const id = SignatureSchemes[name];
    const info = SCHEMES.get(id);
    if (info && serverSchemes.includes(id) && allowedIn(version, info)) return name;
  }
  throw new TlsError(
    'KEYPORT_SIGN_SCHEME_UNSUPPORTED',
    `The server accepts none of the signature schemes this ${signer.algorithm} key can make ` +
      `(server: ${serverSchemes.map(schemeName).join(', ') || 'none'}); use an identity with another key type.`,
    AlertDescription.handshake_failure,
  );
}
