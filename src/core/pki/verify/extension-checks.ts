import { notACaReason } from './ca-status';
import { badCertificate } from './failures';
import { isSelfSigned } from './issuer-match';
import type { ParsedCert } from './parsed-cert';
import { purposeProblem, type Purpose } from './purpose';

/** Smallest RSA modulus accepted anywhere in a path. OpenSSL at node's security level 1 takes 1024. */
export const MIN_RSA_BITS = 2048;

/**
 * OpenSSL's check_chain_extensions and check_key_level for one path (leaf first, anchor last):
 * unknown critical extensions, CA-ness, purpose (EKU/keyUsage), path length, key size.
 * Throws KEYPORT_TLS_BAD_CERTIFICATE naming the first certificate at fault.
 */
export function checkExtensions(path: readonly ParsedCert[], purpose: Purpose): void {
  path.forEach((cert, i) => {
    const problem = certificateProblem(path, i, purpose);
    if (problem) throw badCertificate(path, i, problem);
  });
}

function certificateProblem(path: readonly ParsedCert[], i: number, purpose: Purpose): string | undefined {
  const cert = path[i] as ParsedCert;
  if (cert.unhandledCritical.length > 0) {
    return `has a critical extension Keyport does not understand (${cert.unhandledCritical.join(', ')})`;
  }
  if (i > 0) {
    const notCa = notACaReason(cert, isSelfSigned(cert), i === path.length - 1);
    if (notCa) return notCa;
  }
  return purposeProblem(cert, i === 0, purpose) ?? pathLenProblem(path, i) ?? keySizeProblem(cert);
}

/** RFC 5280 6.1.4 (m): pathLen bounds the non-self-issued intermediates below a CA. */
function pathLenProblem(path: readonly ParsedCert[], i: number): string | undefined {
  const limit = path[i]?.basicConstraints?.pathLen;
  if (i < 2 || limit === undefined) return undefined;
  const below = path.slice(1, i).filter((c) => !c.selfIssued).length;
  if (below <= limit) return undefined;
  return `allows ${limit} intermediate CA${limit === 1 ? '' : 's'} below it (pathLen), but the chain has ${below}`;
}

function keySizeProblem(cert: ParsedCert): string | undefined {
  const key = cert.publicKey;
  if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'rsa-pss') return undefined;
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  return bits < MIN_RSA_BITS ? `has a ${bits}-bit RSA key; Keyport requires at least ${MIN_RSA_BITS} bits` : undefined;
}
