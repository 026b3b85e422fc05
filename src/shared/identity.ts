/** What callers (CLI --json, IPC, `keyport serve`) see of an identity. Never holds key material. */
export type IdentityStatus = 'valid' | 'expiring' | 'expired' | 'not-yet-valid';

export type KeyStoreView = { kind: 'keychain' } | { kind: 'pkcs11'; module: string; token: string };

export interface IdentityView {
  id: string;
  label: string;
  subject: string;
  sans: string[];
  issuer: string;
  /** Hex, lower case, no leading zero byte. */
  serial: string;
  /** ISO 8601. */
  notBefore: string;
  notAfter: string;
  /** Hex SHA-256 of the leaf certificate DER, lower case, no colons. */
  fingerprintSha256: string;
  /** `RSA-2048`, `EC-P256`, `EC-P384`, `Ed25519`, ... */
  keyAlgorithm: string;
  keyStore: KeyStoreView;
  status: IdentityStatus;
  /** Where it came from: `pem`, `pkcs12`, `keygen`, `token` (found on a token), ... */
  source: string;
  /** Number of certificates in the stored chain, leaf included. */
  chainLength: number;
  createdAt: string;
  updatedAt: string;
}

/** One PKCS#11 module as `keyport tokens` shows it. */
export interface TokenModuleView {
  module: string;
  /** Set when the module could not be loaded; the sentence says why. */
  error?: { code: string; message: string };
  slots: Array<{
    slotId: string;
    description: string;
    tokenPresent: boolean;
    /** A card is in the reader but its module cannot use it (no PKCS#11 token on it); `token` is absent. */
    unrecognized?: boolean;
    token?: {
      label: string;
      manufacturer: string;
      model: string;
      serialNumber: string;
      loggedIn: boolean;
      loginRequired: boolean;
      pinCountLow: boolean;
      pinFinalTry: boolean;
      pinLocked: boolean;
    };
  }>;
}
