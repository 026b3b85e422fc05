import { BoundedMap } from '../../bounded-map';
import { badCertificate, outsideValidity } from './failures';
import type { ParsedCert } from './parsed-cert';
import { WEAK_SIGNATURE_ALGORITHMS } from './oids';

/** (issuer, subject) pairs whose signature verified, by both DERs' SHA-256; only successes are kept. */
const verifiedPairs = new BoundedMap<string, true>(1024);

/**
 * OpenSSL's internal_verify: from the anchor down, each certificate's signature by the one above
 * it, then its validity period. The anchor's own signature is not checked (it is trusted as
 * configured, as OpenSSL does without X509_V_FLAG_CHECK_SS_SIGNATURE), but its dates are.
 */
export function checkSignaturesAndDates(path: readonly ParsedCert[], now: Date): void {
  for (let i = path.length - 1; i >= 0; i--) {
    const cert = path[i] as ParsedCert;
    const issuer = path[i + 1];
    if (issuer) checkSignature(path, i, issuer);
    if (now < cert.notBefore || now > cert.notAfter) throw outsideValidity(path, i, now);
  }
}

function checkSignature(path: readonly ParsedCert[], i: number, issuer: ParsedCert): void {
  const cert = path[i] as ParsedCert;
  const weak = WEAK_SIGNATURE_ALGORITHMS[cert.signatureAlgorithm];
  if (weak) throw badCertificate(path, i, `is signed with ${weak}, which Keyport does not accept`);
  if (!signatureVerifies(cert, issuer)) {
    throw badCertificate(path, i, `has a signature that does not verify with the key of '${issuer.subject.text}'`);
  }
}

/** Whether `issuer`'s key verifies `cert`'s signature; depends on the two DERs alone, so it is cached. */
function signatureVerifies(cert: ParsedCert, issuer: ParsedCert): boolean {
  const key = `${issuer.fingerprint}>${cert.fingerprint}`;
  if (verifiedPairs.get(key)) return true;
  let valid: boolean;
  try {
    // X509_verify: also refuses a TBS signature algorithm that differs from the outer one.
    valid = cert.node.verify(issuer.publicKey);
  } catch {
    valid = false;
  }
  if (valid) verifiedPairs.set(key, true);
  return valid;
}
