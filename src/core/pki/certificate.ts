import { createHash, X509Certificate as NodeX509 } from 'node:crypto';
import { KeyportError } from '../../shared/errors';
import { keyAlgorithmName } from './key-algorithm';
import * as x509 from './x509';

/** The facts Keyport shows about a certificate. */
export interface CertificateInfo {
  subject: string;
  issuer: string;
  sans: string[];
  /** Hex, lower case, without the DER sign byte. */
  serial: string;
  notBefore: Date;
  notAfter: Date;
  fingerprintSha256: string;
  keyAlgorithm: string;
  publicKeySpki: Buffer;
  isCa: boolean;
}

const SAN_PREFIX: Record<string, string> = { dns: 'DNS', ip: 'IP', email: 'email', url: 'URI' };

/** Parses a DER certificate; a malformed one gives KEYPORT_CERT_INVALID naming `what`. */
export function parseCertificate(der: Buffer, what = 'certificate'): CertificateInfo {
  let node: NodeX509;
  let cert: x509.X509Certificate;
  try {
    node = new NodeX509(der);
    cert = new x509.X509Certificate(new Uint8Array(der));
  } catch (e) {
    throw new KeyportError('KEYPORT_CERT_INVALID', `Cannot read ${what}: it is not a valid X.509 certificate.`, {
      cause: e,
    });
  }
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    sans: subjectAltNames(cert),
    serial: normalizeSerial(cert.serialNumber),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    fingerprintSha256: createHash('sha256').update(der).digest('hex'),
    keyAlgorithm: keyAlgorithmName(node.publicKey),
    publicKeySpki: node.publicKey.export({ format: 'der', type: 'spki' }),
    isCa: node.ca,
  };
}

function subjectAltNames(cert: x509.X509Certificate): string[] {
  const ext = cert.getExtension(x509.SubjectAlternativeNameExtension);
  if (!ext) return [];
  return ext.names.items.map((n) => `${SAN_PREFIX[n.type] ?? n.type}:${String(n.value)}`);
}

function normalizeSerial(hex: string): string {
  return hex.toLowerCase().replace(/^(00)+(?=..)/, '');
}
