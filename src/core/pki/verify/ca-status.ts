import type { ParsedCert } from './parsed-cert';

/**
 * OpenSSL's check_ca: 0 not a CA, 1 a CA by basicConstraints, 3 a version 1 self-signed root,
 * 4 no basicConstraints but keyUsage with keyCertSign. 3 and 4 are accepted only at the top of a
 * path, as OpenSSL does outside X509_V_FLAG_X509_STRICT. (OpenSSL's 5, Netscape cert type CA
 * flags, is not honoured: no current CA relies on it.)
 */
export function caStatus(cert: ParsedCert, selfSigned: boolean): 0 | 1 | 3 | 4 {
  if (cert.keyUsage && !cert.keyUsage.has('keyCertSign')) return 0;
  if (cert.basicConstraints) return cert.basicConstraints.ca ? 1 : 0;
  if (cert.version === 1 && selfSigned) return 3;
  if (cert.keyUsage) return 4;
  return 0;
}

/** Why `cert` cannot act as a CA, for a message, or undefined when it can at this position. */
export function notACaReason(cert: ParsedCert, selfSigned: boolean, isTop: boolean): string | undefined {
  const status = caStatus(cert, selfSigned);
  if (status === 1 || (isTop && status !== 0)) return undefined;
  if (cert.keyUsage && !cert.keyUsage.has('keyCertSign')) {
    return 'may not sign certificates: its key usage lacks keyCertSign';
  }
  if (cert.basicConstraints) return 'is not a CA (basicConstraints CA:FALSE) yet issued a certificate in the chain';
  return 'is not marked as a CA (it has no basicConstraints extension) yet issued a certificate in the chain';
}
