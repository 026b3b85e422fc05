import { isSelfSigned, likelyIssued } from './issuer-match';
import type { ParsedCert } from './parsed-cert';
import type { TrustStore } from './trust-store';

/** Longest path tried, leaf and anchor included; real chains have 2 to 4 certificates. */
export const MAX_PATH_LENGTH = 12;
/** Work limit on path building, so a server sending many look-alike certificates cannot stall a client. */
export const MAX_BUILD_STEPS = 256;

/** One way from the leaf towards a trust anchor. */
export type CandidatePath =
  /** Ends at a trusted self-signed certificate; still to be validated. */
  | { anchored: true; certs: ParsedCert[] }
  /** Could not reach an anchor: the top's issuer is missing, or the top is self-signed but untrusted. */
  | { anchored: false; certs: ParsedCert[]; stop: 'missing-issuer' | 'untrusted-self-signed' | 'too-long' };

/**
 * Enumerates candidate paths depth first, best first (RFC 4158 style): at each step trusted issuers
 * come before ones the server sent (OpenSSL's X509_V_FLAG_TRUSTED_FIRST), and currently valid
 * issuers before expired ones, newest expiry first (OpenSSL's find_issuer). A certificate never
 * appears twice in a path, which breaks loops between cross-signed CAs.
 *
 * Like OpenSSL without X509_V_FLAG_PARTIAL_CHAIN (node's default), a path is only anchored at a
 * self-signed trusted certificate; a trusted intermediate leads on to its own issuer.
 */
export function* candidatePaths(
  leaf: ParsedCert,
  untrusted: readonly ParsedCert[],
  store: TrustStore,
  now: Date,
): Generator<CandidatePath> {
  let steps = 0;

  function* extend(path: ParsedCert[]): Generator<CandidatePath> {
    if (++steps > MAX_BUILD_STEPS) return;
    const top = path[path.length - 1] as ParsedCert;
    if (isSelfSigned(top)) {
      const anchor = store.anchorFor(top);
      if (anchor) yield { anchored: true, certs: [...path.slice(0, -1), anchor] };
      else yield { anchored: false, certs: path, stop: 'untrusted-self-signed' };
      return;
    }
    if (path.length >= MAX_PATH_LENGTH) {
      yield { anchored: false, certs: path, stop: 'too-long' };
      return;
    }
    const fresh = (c: ParsedCert): boolean => !path.some((p) => p.der.equals(c.der));
    const candidates = [
      ...preferred(store.issuersOf(top), now),
      ...preferred(
        untrusted.filter((c) => likelyIssued(c, top)),
        now,
      ),
    ].filter(fresh);
    if (candidates.length === 0) {
      yield { anchored: false, certs: path, stop: 'missing-issuer' };
      return;
    }
    for (const issuer of candidates) yield* extend([...path, issuer]);
  }

  yield* extend([leaf]);
}

/** Currently valid certificates first (in the given order), then the rest by latest expiry. */
function preferred(certs: readonly ParsedCert[], now: Date): ParsedCert[] {
  const valid = certs.filter((c) => c.notBefore <= now && now <= c.notAfter);
  const others = certs.filter((c) => !valid.includes(c)).sort((a, b) => b.notAfter.getTime() - a.notAfter.getTime());
  return [...valid, ...others];
}
