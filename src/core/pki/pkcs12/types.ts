/** What a PKCS#12 file holds, and what Keyport makes of it. */

/** A private key found in the file. */
export interface Pkcs12Key {
  /** PrivateKeyInfo (PKCS#8) DER, decrypted. */
  pkcs8: Buffer;
  localKeyId?: Buffer;
  friendlyName?: string;
}

/** An X.509 certificate found in the file. */
export interface Pkcs12Cert {
  der: Buffer;
  localKeyId?: Buffer;
  friendlyName?: string;
}

/** Everything read from a PKCS#12 file. */
export interface Pkcs12Contents {
  keys: Pkcs12Key[];
  certs: Pkcs12Cert[];
  /** The integrity check, e.g. "HMAC-SHA256 (2048 iterations)"; absent when the file has none. */
  macAlgorithm?: string;
  /** The encryption schemes used, for the UI, e.g. "PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC, 2048 iterations)". */
  encryption: string[];
}

/** Options of parsePkcs12. */
export interface ParsePkcs12Options {
  /** Refuse key derivations above this many iterations (default and ceiling: 10,000,000). */
  maxIterations?: number;
}

/** The identity in a PKCS#12 file: one key, its certificate chain, the other certificates. */
export interface Pkcs12Identity {
  keyPkcs8: Buffer;
  /** Leaf first, then each issuer; no duplicates. */
  chain: Buffer[];
  /** Certificates in the file that are not in the chain. */
  extraCerts: Buffer[];
  friendlyName?: string;
  /** "RSA-2048", "EC-P256", "EC-P384", "EC-P521", "Ed25519", "Ed448". */
  keyAlgorithm: string;
}

/** Options of buildPkcs12. */
export interface BuildPkcs12Options {
  keyPkcs8: Buffer;
  /** Leaf first. */
  chain: Buffer[];
  password: string;
  friendlyName?: string;
  /** 3DES keys, RC2-40 certificates, SHA-1 MAC (like `openssl pkcs12 -legacy`), for old Windows, macOS, Java. */
  legacy?: boolean;
  /** Key-derivation iterations (default 2048, as OpenSSL). */
  iterations?: number;
}
