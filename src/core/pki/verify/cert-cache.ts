import { BoundedMap } from '../../bounded-map';
import { fingerprintOf, parseCert, type ParsedCert } from './parsed-cert';

/** Enough for the chains and anchors of every server a desktop session talks to. */
export const CERT_CACHE_SIZE = 256;

const parsed = new BoundedMap<string, ParsedCert>(CERT_CACHE_SIZE);

/**
 * parseCert, memoized by the DER's SHA-256 (parsing with @peculiar costs ~0.5-2 ms a certificate,
 * most of a handshake's verification). The cached ParsedCert is parsed from a private copy of the
 * DER and frozen, so a caller that later reuses its Buffer cannot change what others see. Failures
 * are not cached: they throw MalformedCertificate each time, as parseCert does.
 */
export function parseCertCached(der: Buffer): ParsedCert {
  const key = fingerprintOf(der);
  const hit = parsed.get(key);
  if (hit) return hit;
  const cert = Object.freeze(parseCert(Buffer.from(der)));
  parsed.set(key, cert);
  return cert;
}
