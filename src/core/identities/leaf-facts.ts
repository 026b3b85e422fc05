import { BoundedMap } from '../bounded-map';
import { parseCertificate, type CertificateInfo } from '../pki/certificate';

/** What an identity's view takes from its leaf certificate: everything but the key's bytes and isCa. */
export type LeafFacts = Readonly<Pick<CertificateInfo, 'subject' | 'issuer' | 'serial' | 'fingerprintSha256' | 'keyAlgorithm'>> & {
  readonly sans: readonly string[];
  /** Epoch milliseconds (numbers, so no caller can change a cached Date). */
  readonly notBefore: number;
  readonly notAfter: number;
};

/** More than the identities any one user keeps, registry and tokens together. */
const LEAF_FACTS_CACHE_SIZE = 4096;

const cache = new BoundedMap<string, LeafFacts>(LEAF_FACTS_CACHE_SIZE);

/**
 * The facts of a leaf certificate given as stored (base64 DER), memoized by that string: parsing
 * with @peculiar and node:crypto costs ~1-3 ms a certificate, which made listing 1,000 identities
 * take seconds on every refresh. The facts depend on the DER alone, so a renewed certificate (new
 * DER) is a new entry and a stale one is never served. Failures are not cached: they throw
 * KEYPORT_CERT_INVALID naming `what` each time, as parseCertificate does.
 */
export function leafFacts(leafBase64: string, what: string): LeafFacts {
  const hit = cache.get(leafBase64);
  if (hit) return hit;
  const facts = factsOf(parseCertificate(Buffer.from(leafBase64, 'base64'), what));
  cache.set(leafBase64, facts);
  return facts;
}

function factsOf(info: CertificateInfo): LeafFacts {
  return Object.freeze({
    subject: info.subject,
    issuer: info.issuer,
    sans: Object.freeze([...info.sans]),
    serial: info.serial,
    notBefore: info.notBefore.getTime(),
    notAfter: info.notAfter.getTime(),
    fingerprintSha256: info.fingerprintSha256,
    keyAlgorithm: info.keyAlgorithm,
  });
}
