/**
 * Signing on a token: picks the mechanism for a TLS signature scheme, hashes on the host when
 * the token signs digests (CKM_ECDSA, CKM_RSA_PKCS_PSS, CKM_RSA_PKCS with DigestInfo) or hands
 * the whole message to a combined mechanism (CKM_SHA256_RSA_PKCS, ...) when that is all the token
 * offers, and returns ECDSA signatures as DER.
 */
import { createHash } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { ECDSASigValue } from '@peculiar/asn1-ecc';
import { DigestInfo, sha256, sha384, sha512 } from '@peculiar/asn1-rsa';
import * as pkcs11 from 'pkcs11js';
import { KeyportError } from '../../shared/errors';
import type { KeyAlgorithm, SignatureScheme } from '../keystores/types';

type Hash = 'sha256' | 'sha384' | 'sha512';
type Family = 'ecdsa' | 'pss' | 'pkcs1';

const HASHES = {
  sha256: { ckm: pkcs11.CKM_SHA256, mgf: pkcs11.CKG_MGF1_SHA256, length: 32, oid: sha256 },
  sha384: { ckm: pkcs11.CKM_SHA384, mgf: pkcs11.CKG_MGF1_SHA384, length: 48, oid: sha384 },
  sha512: { ckm: pkcs11.CKM_SHA512, mgf: pkcs11.CKG_MGF1_SHA512, length: 64, oid: sha512 },
} as const;

/** The raw (digest-signing) and combined (hash-and-sign) mechanism for each family and hash. */
const MECHANISMS: Record<Family, { raw: number; combined: Record<Hash, number> }> = {
  ecdsa: {
    raw: pkcs11.CKM_ECDSA,
    combined: { sha256: pkcs11.CKM_ECDSA_SHA256, sha384: pkcs11.CKM_ECDSA_SHA384, sha512: pkcs11.CKM_ECDSA_SHA512 },
  },
  pss: {
    raw: pkcs11.CKM_RSA_PKCS_PSS,
    combined: { sha256: pkcs11.CKM_SHA256_RSA_PKCS_PSS, sha384: pkcs11.CKM_SHA384_RSA_PKCS_PSS, sha512: pkcs11.CKM_SHA512_RSA_PKCS_PSS },
  },
  pkcs1: {
    raw: pkcs11.CKM_RSA_PKCS,
    combined: { sha256: pkcs11.CKM_SHA256_RSA_PKCS, sha384: pkcs11.CKM_SHA384_RSA_PKCS, sha512: pkcs11.CKM_SHA512_RSA_PKCS },
  },
};

const SCHEMES: Partial<Record<SignatureScheme, { family: Family; hash: Hash; algorithms: KeyAlgorithm[] }>> = {
  ecdsa_secp256r1_sha256: { family: 'ecdsa', hash: 'sha256', algorithms: ['EC-P256'] },
  ecdsa_secp384r1_sha384: { family: 'ecdsa', hash: 'sha384', algorithms: ['EC-P384'] },
  rsa_pss_rsae_sha256: { family: 'pss', hash: 'sha256', algorithms: ['RSA-2048', 'RSA-3072'] },
  rsa_pss_rsae_sha384: { family: 'pss', hash: 'sha384', algorithms: ['RSA-2048', 'RSA-3072'] },
  rsa_pss_rsae_sha512: { family: 'pss', hash: 'sha512', algorithms: ['RSA-2048', 'RSA-3072'] },
  rsa_pkcs1_sha256: { family: 'pkcs1', hash: 'sha256', algorithms: ['RSA-2048', 'RSA-3072'] },
  rsa_pkcs1_sha384: { family: 'pkcs1', hash: 'sha384', algorithms: ['RSA-2048', 'RSA-3072'] },
  rsa_pkcs1_sha512: { family: 'pkcs1', hash: 'sha512', algorithms: ['RSA-2048', 'RSA-3072'] },
};

/** A chosen mechanism and how to prepare the data for it. */
export interface SignPlan {
  mechanism: pkcs11.Mechanism;
  /** The bytes handed to C_Sign for `data`. */
  input(data: Buffer): Buffer;
  /** Turns the token's output into the wire form (DER for ECDSA). */
  output(signature: Buffer): Buffer;
}

/** Schemes a key of `algorithm` can produce on a token offering `supports`, in preference order. */
export function schemesFor(algorithm: KeyAlgorithm, supports: (mechanism: number) => boolean): SignatureScheme[] {
  return (Object.keys(SCHEMES) as SignatureScheme[]).filter((scheme) => {
    const spec = SCHEMES[scheme];
    return spec !== undefined && spec.algorithms.includes(algorithm) && mechanismFor(spec.family, spec.hash, supports) !== undefined;
  });
}

/** How to sign with `scheme`, or a KeyportError when key or token cannot. */
export function planSign(scheme: SignatureScheme, algorithm: KeyAlgorithm, token: string, supports: (mechanism: number) => boolean): SignPlan {
  const spec = SCHEMES[scheme];
  if (!spec || !spec.algorithms.includes(algorithm)) {
    throw new KeyportError('KEYPORT_SIGN_SCHEME_UNSUPPORTED', `Cannot sign with ${scheme}: the key is ${algorithm}; use one of the schemes the signer lists.`);
  }
  const choice = mechanismFor(spec.family, spec.hash, supports);
  if (!choice) {
    throw new KeyportError('KEYPORT_MECHANISM_UNSUPPORTED', `Token "${token}" offers no mechanism for ${scheme}; use another signature scheme.`);
  }
  const hash = HASHES[spec.hash];
  const digest = (data: Buffer): Buffer => createHash(spec.hash).update(data).digest();
  const parameter =
    spec.family === 'pss'
      ? { type: pkcs11.CK_PARAMS_RSA_PSS, hashAlg: hash.ckm, mgf: hash.mgf, saltLen: hash.length }
      : undefined;
  const mechanism: pkcs11.Mechanism = parameter ? { mechanism: choice.mechanism, parameter } : { mechanism: choice.mechanism };
  const input = !choice.raw
    ? (data: Buffer): Buffer => data
    : spec.family === 'pkcs1'
      ? (data: Buffer): Buffer => digestInfo(spec.hash, digest(data))
      : digest;
  const output = spec.family === 'ecdsa' ? rawToDer : (s: Buffer): Buffer => s;
  return { mechanism, input, output };
}

function mechanismFor(family: Family, hash: Hash, supports: (m: number) => boolean): { mechanism: number; raw: boolean } | undefined {
  const { raw, combined } = MECHANISMS[family];
  if (supports(raw)) return { mechanism: raw, raw: true };
  if (supports(combined[hash])) return { mechanism: combined[hash], raw: false };
  return undefined;
}

/** DER DigestInfo for PKCS#1 v1.5 (RFC 8017 §9.2). */
function digestInfo(hash: Hash, digest: Buffer): Buffer {
  const info = new DigestInfo({ digestAlgorithm: HASHES[hash].oid, digest: new OctetString(digest) });
  return Buffer.from(AsnConvert.serialize(info));
}

/** ECDSA r‖s (as every module returns it) to the DER ECDSA-Sig-Value TLS and X.509 want. */
export function rawToDer(raw: Buffer): Buffer {
  const half = raw.length / 2;
  const value = new ECDSASigValue({ r: asnInteger(raw.subarray(0, half)), s: asnInteger(raw.subarray(half)) });
  return Buffer.from(AsnConvert.serialize(value));
}

/** Minimal two's-complement bytes of an unsigned big-endian integer. */
function asnInteger(unsigned: Buffer): ArrayBuffer {
  let i = 0;
  while (i < unsigned.length - 1 && unsigned[i] === 0) i++;
  const body = unsigned.subarray(i);
  const bytes = (body[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), body]) : Buffer.from(body);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer;
}
