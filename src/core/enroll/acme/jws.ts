import { createHash, createHmac, createPublicKey } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { ECDSASigValue } from '@peculiar/asn1-ecc';
import { KeyportError } from '../../../shared/errors';
import type { SignatureScheme, Signer } from '../../keystores/types';

/** A public JWK as RFC 7517 writes EC and RSA keys (only the members RFC 7638 thumbprints use). */
export type Jwk = { kty: 'EC'; crv: string; x: string; y: string } | { kty: 'RSA'; n: string; e: string };

/** A flattened JWS (RFC 7515 §7.2.2), the only form ACME accepts. */
export interface FlattenedJws {
  protected: string;
  payload: string;
  signature: string;
}

/** How an ACME account key signs: its JWS `alg`, the signer scheme behind it, and the r‖s width for EC. */
interface JwsAlgorithm {
  alg: 'ES256' | 'ES384' | 'RS256';
  scheme: SignatureScheme;
  /** Bytes of r (and of s) in a JWS ECDSA signature; 0 for RSA. */
  coordinateBytes: number;
}

const ALGORITHMS: Record<string, JwsAlgorithm> = {
  'EC-P256': { alg: 'ES256', scheme: 'ecdsa_secp256r1_sha256', coordinateBytes: 32 },
  'EC-P384': { alg: 'ES384', scheme: 'ecdsa_secp384r1_sha384', coordinateBytes: 48 },
  RSA: { alg: 'RS256', scheme: 'rsa_pkcs1_sha256', coordinateBytes: 0 },
};

/** An ACME account key as JWS needs it: the store's signer, its algorithm and public JWK. */
export interface AccountKey {
  signer: Signer;
  alg: JwsAlgorithm['alg'];
  jwk: Jwk;
}

/** Which key identifies a request: the JWK itself (newAccount, revocation) or the account URL (everything else). */
export type JwsIdentity = { jwk: Jwk } | { kid: string };

export function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** The account key behind a store signer; refused for key kinds ACME has no JWS algorithm for. */
export function accountKey(signer: Signer): AccountKey {
  const how = algorithmOf(signer.algorithm);
  return { signer, alg: how.alg, jwk: publicJwk(signer.publicKeySpki) };
}

/** The public JWK of a SubjectPublicKeyInfo, with only the required members. */
export function publicJwk(spki: Buffer): Jwk {
  const jwk = createPublicKey({ key: spki, format: 'der', type: 'spki' }).export({ format: 'jwk' });
  if (jwk.kty === 'EC') return { kty: 'EC', crv: jwk.crv!, x: jwk.x!, y: jwk.y! };
  if (jwk.kty === 'RSA') return { kty: 'RSA', n: jwk.n!, e: jwk.e! };
  throw new KeyportError('KEYPORT_KEY_UNSUPPORTED', `Cannot use a ${jwk.kty} key as an ACME account key: use EC-P256, EC-P384 or RSA.`);
}

/** RFC 7638 thumbprint: SHA-256 over the required members in lexicographic order, base64url. */
export function jwkThumbprint(jwk: Jwk): string {
  const canonical =
    jwk.kty === 'EC'
      ? JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y })
      : JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n });
  return base64url(createHash('sha256').update(canonical).digest());
}

/**
 * Signs an ACME request (RFC 8555 §6.2) with the account key in its store. `payload` undefined is a
 * POST-as-GET (empty payload). ECDSA signatures come from signers as DER and go out as raw r‖s.
 */
export async function signJws(
  key: AccountKey,
  request: { url: string; nonce: string; payload: unknown; identity: JwsIdentity },
): Promise<FlattenedJws> {
  const header = { alg: key.alg, nonce: request.nonce, url: request.url, ...request.identity };
  const protectedB64 = base64url(JSON.stringify(header));
  const payloadB64 = request.payload === undefined ? '' : base64url(JSON.stringify(request.payload));
  const how = algorithmOf(key.signer.algorithm);
  const signature = await key.signer.sign(how.scheme, Buffer.from(`${protectedB64}.${payloadB64}`, 'ascii'));
  const jwsSignature = how.coordinateBytes ? derToRaw(signature, how.coordinateBytes) : signature;
  return { protected: protectedB64, payload: payloadB64, signature: base64url(jwsSignature) };
}

/**
 * The external account binding (RFC 8555 §7.3.4): the account's public JWK signed with HS256 under
 * the CA-issued MAC key, bound to the newAccount URL.
 */
export function externalAccountBinding(o: { kid: string; macKey: Buffer; url: string; jwk: Jwk }): FlattenedJws {
  const protectedB64 = base64url(JSON.stringify({ alg: 'HS256', kid: o.kid, url: o.url }));
  const payloadB64 = base64url(JSON.stringify(o.jwk));
  const mac = createHmac('sha256', o.macKey).update(`${protectedB64}.${payloadB64}`, 'ascii').digest();
  return { protected: protectedB64, payload: payloadB64, signature: base64url(mac) };
}

/** An ECDSA-Sig-Value (DER) as JWS wants it (RFC 7518 §3.4): r and s, each left-padded to `size` bytes. */
export function derToRaw(der: Buffer, size: number): Buffer {
  let value: ECDSASigValue;
  try {
    value = AsnConvert.parse(der, ECDSASigValue);
  } catch (e) {
    throw new KeyportError('KEYPORT_SIGN_FAILED', 'Signing failed: the key store returned an ECDSA signature that is not DER.', { cause: e });
  }
  if (!Buffer.from(AsnConvert.serialize(value)).equals(der)) {
    throw new KeyportError('KEYPORT_SIGN_FAILED', 'Signing failed: the key store returned an ECDSA signature with trailing or non-canonical bytes.');
  }
  return Buffer.concat([fixedWidth(Buffer.from(value.r), size), fixedWidth(Buffer.from(value.s), size)]);
}

/** An unsigned big-endian integer (possibly with a DER sign byte) as exactly `size` bytes. */
function fixedWidth(integer: Buffer, size: number): Buffer {
  let start = 0;
  while (start < integer.length - 1 && integer[start] === 0) start++;
  const body = integer.subarray(start);
  if (body.length > size) {
    throw new KeyportError('KEYPORT_SIGN_FAILED', `Signing failed: an ECDSA signature value is longer than ${size} bytes.`);
  }
  return Buffer.concat([Buffer.alloc(size - body.length), body]);
}

function algorithmOf(algorithm: string): JwsAlgorithm {
  const how = ALGORITHMS[algorithm.startsWith('RSA-') ? 'RSA' : algorithm];
  if (!how) {
    throw new KeyportError('KEYPORT_KEY_UNSUPPORTED', `Cannot sign ACME requests with a ${algorithm} key: use EC-P256, EC-P384 or RSA.`);
  }
  return how;
}
