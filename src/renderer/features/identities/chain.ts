/**
 * Reads the certificates of an identity's chain (public data only) into what the detail view
 * shows. The contract's `identities.show` hands over the chain as PEM; parsing it here keeps the
 * contract small, and uses the same well-kept library as the core (@peculiar/x509).
 */
import 'reflect-metadata';
import {
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectAlternativeNameExtension,
  X509Certificate,
} from '@peculiar/x509';

/** One certificate of a chain, as the detail view draws it. */
export interface CertificateSummary {
  subject: string;
  issuer: string;
  serial: string;
  notBefore: Date;
  notAfter: Date;
  sans: string[];
  keyUsage: string[];
  extendedKeyUsage: string[];
  /** Colon-separated upper-case hex, as certificate viewers show it. */
  sha256: string;
  sha1: string;
  publicKey: string;
  isCa: boolean;
  selfSigned: boolean;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

const EKU_NAMES: Record<string, string> = Object.fromEntries(
  Object.entries(ExtendedKeyUsage).map(([name, oid]) => [oid, name]),
);

const KEY_USAGE_NAMES = Object.entries(KeyUsageFlags).filter(([, bit]) => typeof bit === 'number') as Array<[string, number]>;

function hex(buffer: ArrayBuffer): string {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');
}

function describeKey(certificate: X509Certificate): string {
  const algorithm = certificate.publicKey.algorithm as { name: string; namedCurve?: string; modulusLength?: number };
  if (algorithm.namedCurve) return `EC ${algorithm.namedCurve}`;
  if (algorithm.modulusLength) return `RSA ${algorithm.modulusLength}`;
  return algorithm.name;
}

async function summarise(certificate: X509Certificate): Promise<CertificateSummary> {
  const san = certificate.getExtension(SubjectAlternativeNameExtension);
  const ku = certificate.getExtension(KeyUsagesExtension);
  const eku = certificate.getExtension(ExtendedKeyUsageExtension);
  const [sha256, sha1] = await Promise.all([certificate.getThumbprint('SHA-256'), certificate.getThumbprint('SHA-1')]);
  return {
    subject: certificate.subject,
    issuer: certificate.issuer,
    serial: certificate.serialNumber,
    notBefore: certificate.notBefore,
    notAfter: certificate.notAfter,
    sans: san ? san.names.items.map((name) => `${name.type.toUpperCase()}: ${name.value}`) : [],
    keyUsage: ku ? KEY_USAGE_NAMES.filter(([, bit]) => (ku.usages & bit) !== 0).map(([name]) => name) : [],
    extendedKeyUsage: eku ? eku.usages.map((usage) => EKU_NAMES[String(usage)] ?? String(usage)) : [],
    sha256: hex(sha256),
    sha1: hex(sha1),
    publicKey: describeKey(certificate),
    isCa: Boolean(ku && ku.usages & KeyUsageFlags.keyCertSign),
    selfSigned: certificate.subject === certificate.issuer,
  };
}

/** Every certificate in `pem`, leaf first, summarised; rejects when one does not parse. */
export function readChain(pem: string): Promise<CertificateSummary[]> {
  const blocks = pem.match(PEM_BLOCK) ?? [];
  return Promise.all(blocks.map((block) => summarise(new X509Certificate(block))));
}
