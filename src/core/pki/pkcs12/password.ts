/**
 * Password encodings. RFC 7292 App. B.1 feeds the PKCS#12 KDF a BMPString (UTF-16BE plus a
 * two-byte terminator); PBKDF2 (PBES2, PBMAC1) takes UTF-8. Real files bend both rules, so each
 * derivation tries a short list of encodings, the standard one first.
 */

/** The password as RFC 7292 wants it for the PKCS#12 KDF: UTF-16BE code units, then 00 00. */
export function bmpPassword(password: string): Buffer {
  const out = Buffer.alloc(password.length * 2 + 2);
  for (let i = 0; i < password.length; i++) out.writeUInt16BE(password.charCodeAt(i), i * 2);
  return out;
}

/** Encodings a PKCS#12 password may have been given to the PKCS#12 KDF with, likeliest first. */
export function kdf12Candidates(password: string | null): Buffer[] {
  if (password === null || password === '') {
    // RFC 7292 says "" is 00 00; OpenSSL also writes files keyed with the zero-length string.
    return [Buffer.alloc(2), Buffer.alloc(0)];
  }
  // OpenSSL before 1.1.0 widened each UTF-8 byte to 16 bits instead of encoding UTF-16.
  const widenedUtf8 = bmpPassword(Buffer.from(password, 'utf8').toString('latin1'));
  return unique([bmpPassword(password), widenedUtf8]);
}

/** Encodings a PKCS#12 password may have been given to PBKDF2 with, likeliest first. */
export function pbkdf2Candidates(password: string | null): Buffer[] {
  if (password === null || password === '') return [Buffer.alloc(0), Buffer.alloc(2)];
  // Some NSS versions hand PBKDF2 the BMPString instead of UTF-8.
  return unique([Buffer.from(password, 'utf8'), bmpPassword(password)]);
}

/** `candidates` with `first` moved to the front. */
export function preferring(candidates: Buffer[], first: Buffer): Buffer[] {
  return [first, ...candidates.filter((c) => !c.equals(first))];
}

function unique(list: Buffer[]): Buffer[] {
  return list.filter((b, i) => list.findIndex((o) => o.equals(b)) === i);
}

/** The encodings to try for each kind of key derivation. */
export interface PasswordSet {
  /** For the PKCS#12 KDF (legacy PBE, classic MAC). */
  kdf12: Buffer[];
  /** For PBKDF2 (PBES2, PBMAC1). */
  pbkdf2: Buffer[];
}

/** All encodings of `password` worth trying. */
export function passwordSet(password: string | null): PasswordSet {
  return { kdf12: kdf12Candidates(password), pbkdf2: pbkdf2Candidates(password) };
}
