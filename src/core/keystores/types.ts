/**
 * The key-store contract: where a private key lives and how to make it sign.
 * Private key material never crosses this interface outward; only public keys,
 * references and signatures do.
 */

/** Key algorithms Keyport can generate and hold. */
export const KeyAlgorithms = ['EC-P256', 'EC-P384', 'RSA-2048', 'RSA-3072'] as const;
export type KeyAlgorithm = (typeof KeyAlgorithms)[number];

/**
 * Signature schemes by their TLS 1.3 names (RFC 8446 §4.2.3). `data` given to a signer is
 * always the whole message; the signer hashes it (on the host for tokens that only sign digests).
 */
export const SignatureSchemes = {
  ecdsa_secp256r1_sha256: 0x0403,
  ecdsa_secp384r1_sha384: 0x0503,
  ecdsa_secp521r1_sha512: 0x0603,
  rsa_pss_rsae_sha256: 0x0804,
  rsa_pss_rsae_sha384: 0x0805,
  rsa_pss_rsae_sha512: 0x0806,
  rsa_pkcs1_sha256: 0x0401,
  rsa_pkcs1_sha384: 0x0501,
  rsa_pkcs1_sha512: 0x0601,
  ed25519: 0x0807,
} as const;
export type SignatureScheme = keyof typeof SignatureSchemes;

/** Where a key lives. Stored in the registry; holds no secret. */
export type KeyRef =
  | { kind: 'keychain'; keyId: string }
  | {
      kind: 'pkcs11';
      /** Absolute path of the PKCS#11 module. */
      module: string;
      /** Token label (trailing spaces trimmed). */
      token: string;
      /** CKA_ID of the private key, hex. */
      keyId: string;
    };

/** Something that can sign with one private key it never reveals. */
export interface Signer {
  readonly algorithm: KeyAlgorithm | 'Ed25519';
  /** SubjectPublicKeyInfo DER of the key. */
  readonly publicKeySpki: Buffer;
  /** Schemes this key (and its token) can produce, in preference order. */
  readonly schemes: readonly SignatureScheme[];
  /**
   * Sign `data` with `scheme`. ECDSA signatures are DER (as TLS and X.509 want), RSA-PSS uses
   * a salt as long as the hash. Rejects with a KeyportError (e.g. KEYPORT_SIGN_SCHEME_UNSUPPORTED).
   */
  sign(scheme: SignatureScheme, data: Buffer): Promise<Buffer>;
}

/** A key freshly generated in, or imported into, a store. */
export interface StoredKey {
  ref: KeyRef;
  algorithm: KeyAlgorithm | 'Ed25519';
  publicKeySpki: Buffer;
}

/** One backend that holds private keys. */
export interface KeyStore {
  readonly kind: KeyRef['kind'];
  /**
   * Generates a key where it will live (sensitive and non-extractable on tokens). `keyId` (keychain
   * only) fixes the key's id up front, so a journal can record the key before it exists.
   */
  generate(algorithm: KeyAlgorithm, options: { label: string; token?: string; keyId?: string }): Promise<StoredKey>;
  /** Stores a private key (PKCS#8 DER); on tokens it becomes sensitive and non-extractable. */
  importPrivateKey(pkcs8: Buffer, options: { label: string; token?: string }): Promise<StoredKey>;
  /** A signer for the referenced key; fails with a clear error when the key is gone. */
  signer(ref: KeyRef): Promise<Signer>;
  /** Deletes the key; deleting a key that is already gone is not an error. */
  delete(ref: KeyRef): Promise<void>;
}
