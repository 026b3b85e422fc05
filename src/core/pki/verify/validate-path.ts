import { isKeyportError, KeyportError } from '../../../shared/errors';
import { checkExtensions } from './extension-checks';
import { noTrustedPath } from './failures';
import { checkNameConstraints } from './name-constraints';
import type { ParsedCert } from './parsed-cert';
import { candidatePaths, type CandidatePath } from './path-builder';
import type { Purpose } from './purpose';
import { checkSignaturesAndDates } from './signatures-and-dates';
import type { TrustStore } from './trust-store';

/**
 * All checks on one anchored path (leaf first), in OpenSSL's order so that a chain with one fault
 * is reported in the same category: extensions, then signatures and dates from the anchor down,
 * then name constraints. Throws the first KeyportError found.
 */
export function validatePath(path: readonly ParsedCert[], purpose: Purpose, now: Date): void {
  checkExtensions(path, purpose);
  checkSignaturesAndDates(path, now);
  checkNameConstraints(path);
}

/**
 * The first candidate path that passes every check. When none does, the failure of the best
 * anchored path is thrown; when no path reached an anchor, KEYPORT_TLS_UNKNOWN_CA naming the
 * issuer the best path was missing.
 */
export function findValidPath(
  leaf: ParsedCert,
  untrusted: readonly ParsedCert[],
  store: TrustStore,
  purpose: Purpose,
  now: Date,
): ParsedCert[] {
  let firstFailure: KeyportError | undefined;
  let firstUnanchored: (CandidatePath & { anchored: false }) | undefined;
  for (const candidate of candidatePaths(leaf, untrusted, store, now)) {
    if (!candidate.anchored) {
      firstUnanchored ??= candidate;
      continue;
    }
    try {
      validatePath(candidate.certs, purpose, now);
      return candidate.certs;
    } catch (e) {
      if (!isKeyportError(e)) throw e;
      firstFailure ??= e;
    }
  }
  if (firstFailure) throw firstFailure;
  if (firstUnanchored) throw noTrustedPath(firstUnanchored);
  throw new KeyportError(
    'KEYPORT_TLS_UNKNOWN_CA',
    "Keyport gave up building a path from the server's certificate to a trusted CA (too many candidate certificates); the server's chain must be simplified.",
  );
}
