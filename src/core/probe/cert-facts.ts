import { KeyportError } from '../../shared/errors';
import { parseCertificate } from '../pki/certificate';
import * as x509 from '../pki/x509';
import type { CertFact } from './facts';

const EKU_NAMES: Record<string, string> = {
  '1.3.6.1.5.5.7.3.1': 'serverAuth',
  '1.3.6.1.5.5.7.3.2': 'clientAuth',
  '1.3.6.1.5.5.7.3.3': 'codeSigning',
  '1.3.6.1.5.5.7.3.4': 'emailProtection',
  '2.5.29.37.0': 'any',
};

const KEY_USAGE_BITS: Array<[number, string]> = [
  [x509.KeyUsageFlags.digitalSignature, 'digitalSignature'],
  [x509.KeyUsageFlags.nonRepudiation, 'nonRepudiation'],
  [x509.KeyUsageFlags.keyEncipherment, 'keyEncipherment'],
  [x509.KeyUsageFlags.dataEncipherment, 'dataEncipherment'],
  [x509.KeyUsageFlags.keyAgreement, 'keyAgreement'],
  [x509.KeyUsageFlags.keyCertSign, 'keyCertSign'],
  [x509.KeyUsageFlags.cRLSign, 'cRLSign'],
];

/** The doctor's view of a DER certificate; an unreadable one gives KEYPORT_CERT_INVALID. */
export function certFact(der: Buffer, what = 'a certificate'): CertFact {
  const info = parseCertificate(der, what);
  const cert = new x509.X509Certificate(new Uint8Array(der));
  const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
  const ku = cert.getExtension(x509.KeyUsagesExtension);
  return {
    subject: info.subject,
    issuer: info.issuer,
    serial: info.serial,
    notBefore: info.notBefore.toISOString(),
    notAfter: info.notAfter.toISOString(),
    isCa: info.isCa,
    selfIssued: info.subject === info.issuer,
    eku: eku ? eku.usages.map((u) => EKU_NAMES[String(u)] ?? String(u)) : null,
    keyUsage: ku ? KEY_USAGE_BITS.filter(([bit]) => (ku.usages & bit) !== 0).map(([, name]) => name) : null,
  };
}

/** certFact for each certificate, skipping none: an unreadable one is a fact too (its subject says so). */
export function certFacts(chain: readonly Buffer[], what: string): CertFact[] {
  return chain.map((der, i) => {
    try {
      return certFact(der, `${what} #${i + 1}`);
    } catch (e) {
      if (!(e instanceof KeyportError)) throw e;
      return { subject: '(unreadable certificate)', issuer: '', serial: '', notBefore: '', notAfter: '', isCa: false, selfIssued: false, eku: null, keyUsage: null };
    }
  });
}

/** The DNS and IP names a certificate carries (SANs), for a name mismatch. */
export function certNames(der: Buffer): string[] {
  try {
    return parseCertificate(der).sans;
  } catch {
    return [];
  }
}
