/** The shape shared by every password-based encryption scheme a PKCS#12 file may use. */

/** Which encoding of the password a scheme's key derivation takes. */
export type PasswordKind = 'kdf12' | 'pbkdf2';

/** An encryption scheme read from an AlgorithmIdentifier, ready to decrypt. */
export interface PbeScheme {
  /** Human-readable summary for the UI, e.g. "PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC, 2048 iterations)". */
  readonly description: string;
  /** Which password encoding the key derivation takes. */
  readonly passwordKind: PasswordKind;
  /** Decrypts with an encoded password; null when the padding shows the password is wrong. */
  decrypt(data: Buffer, password: Buffer): Promise<Buffer | null>;
}

/** Salts longer than this are refused: real ones are 8 to 32 bytes, and the KDF cost grows with them. */
export const MAX_SALT_BYTES = 1024;

/** Readable names of the digests node:crypto uses. */
export const DIGEST_LABELS: Readonly<Record<string, string>> = {
  sha1: 'SHA1',
  sha224: 'SHA224',
  sha256: 'SHA256',
  sha384: 'SHA384',
  sha512: 'SHA512',
};
