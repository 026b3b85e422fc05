import type { ParsedCert } from './parsed-cert';
import { sameName } from './names';
import { SIGNATURE_KEY_FAMILY } from './oids';

/**
 * True when `issuer` may have issued `subject`, without checking the signature: OpenSSL's
 * ossl_x509_likely_issued (names equal, authority key identifier consistent, key type able to make
 * the signature). Signatures are checked later so that a bad one is reported as such rather than
 * as a missing issuer, as OpenSSL and node:tls report it.
 */
export function likelyIssued(issuer: ParsedCert, subject: ParsedCert): boolean {
  return (
    sameName(issuer.subject, subject.issuer) && authorityKeyIdMatches(issuer, subject) && keyCanSign(issuer, subject)
  );
}

/** OpenSSL's EXFLAG_SS: self-issued, its own AKI matches, and its key type fits its signature. */
export function isSelfSigned(cert: ParsedCert): boolean {
  return cert.selfIssued && authorityKeyIdMatches(cert, cert) && keyCanSign(cert, cert);
}

/** X509_check_akid: every part of the subject's AKI that is present must describe the issuer. */
function authorityKeyIdMatches(issuer: ParsedCert, subject: ParsedCert): boolean {
  const aki = subject.authorityKeyId;
  if (!aki) return true;
  if (aki.keyId && issuer.subjectKeyId && !aki.keyId.equals(issuer.subjectKeyId)) return false;
  if (aki.serial && !aki.serial.equals(issuer.serial)) return false;
  if (aki.issuer && !sameName(aki.issuer, issuer.issuer)) return false;
  return true;
}

/** check_sig_alg_match: an RSA key may sign PKCS#1 v1.5 or PSS; other keys only their own kind. */
function keyCanSign(issuer: ParsedCert, subject: ParsedCert): boolean {
  const family = SIGNATURE_KEY_FAMILY[subject.signatureAlgorithm];
  // Unknown algorithms stay candidates: the signature check then names the algorithm.
  if (!family) return true;
  const keyType = issuer.publicKey.asymmetricKeyType;
  return keyType === family || (keyType === 'rsa' && family === 'rsa-pss');
}
