import type { ParsedCert } from './parsed-cert';
import { OID } from './oids';

/** What the verified certificate will be used for. */
export type Purpose = 'serverAuth' | 'clientAuth';

const EKU_NAMES: Readonly<Record<string, string>> = {
  [OID.serverAuth]: 'serverAuth',
  [OID.clientAuth]: 'clientAuth',
  '1.3.6.1.5.5.7.3.3': 'codeSigning',
  '1.3.6.1.5.5.7.3.4': 'emailProtection',
  '1.3.6.1.5.5.7.3.8': 'timeStamping',
  '1.3.6.1.5.5.7.3.9': 'OCSPSigning',
  [OID.anyExtendedKeyUsage]: 'anyExtendedKeyUsage',
};

/**
 * Why `cert` may not serve `purpose`, or undefined when it may.
 *
 * Extended key usage, leaf and CAs alike: when present it must list the purpose. OpenSSL 3.0's
 * xku_reject does not let anyExtendedKeyUsage stand in for serverAuth/clientAuth, and neither
 * does Keyport (the differential corpus checks this). The SGC purposes OpenSSL still accepts for
 * servers are not honoured.
 *
 * Key usage of the leaf: when present it must include digitalSignature, since Keyport's TLS client
 * only negotiates (EC)DHE suites where the server signs. Deliberately stricter than OpenSSL, which
 * also accepts keyEncipherment or keyAgreement alone.
 */
export function purposeProblem(cert: ParsedCert, isLeaf: boolean, purpose: Purpose): string | undefined {
  const wanted = purpose === 'serverAuth' ? OID.serverAuth : OID.clientAuth;
  const eku = cert.extKeyUsage;
  if (eku && !eku.includes(wanted)) {
    const listed = eku.map((o) => EKU_NAMES[o] ?? o).join(', ') || 'nothing';
    return isLeaf
      ? `is not meant for ${purposeText(purpose)}: its extended key usage allows only ${listed}`
      : `may not issue certificates for ${purposeText(purpose)}: its extended key usage allows only ${listed}`;
  }
  if (isLeaf && cert.keyUsage && !cert.keyUsage.has('digitalSignature')) {
    return `cannot sign TLS handshakes: its key usage (${[...cert.keyUsage].join(', ')}) lacks digitalSignature`;
  }
  return undefined;
}

function purposeText(purpose: Purpose): string {
  return purpose === 'serverAuth' ? 'TLS servers' : 'TLS clients';
}
