import { KeyportError } from '../../../shared/errors';

/** Files larger than this are refused before parsing (real PKCS#12 files are a few KB). */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;

/** Key-derivation iteration counts above this are refused rather than computed. */
export const MAX_ITERATIONS = 10_000_000;

const PREFIX = 'Cannot import PKCS#12: ';

/** The file is damaged or not PKCS#12; `what` completes "Cannot import PKCS#12: ...". */
export function invalidPkcs12(what: string, cause?: unknown): KeyportError {
  return new KeyportError('KEYPORT_PKCS12_INVALID', PREFIX + what, { cause });
}

/** The password does not open the file (MAC mismatch or undecryptable content). */
export function wrongPassword(): KeyportError {
  return new KeyportError('KEYPORT_PKCS12_WRONG_PASSWORD', `${PREFIX}wrong password`);
}

/** A well-formed file that uses something Keyport does not do. */
export function unsupportedPkcs12(what: string): KeyportError {
  return new KeyportError('KEYPORT_PKCS12_UNSUPPORTED', PREFIX + what);
}

/** Refuses an iteration count outside 1..max before any work is done. */
export function checkIterations(count: number, max: number): void {
  if (count > max) {
    throw unsupportedPkcs12(
      `its key derivation asks for ${count.toLocaleString('en-US')} iterations, more than Keyport ` +
        `allows (${max.toLocaleString('en-US')}); re-export it with fewer`,
    );
  }
  if (!Number.isSafeInteger(count) || count < 1) {
    throw invalidPkcs12('it has an invalid key-derivation iteration count; the file is damaged');
  }
}
