import { createHash, X509Certificate as NodeCertificate, type KeyObject } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  KeyUsage,
  SubjectKeyIdentifier,
  type Extension,
  type KeyUsageType,
} from '@peculiar/asn1-x509';
import { decodeGeneralNames, decodeNameConstraints, type GeneralName, type NameConstraints } from './general-names';
import { readName, type DistinguishedName } from './names';
import { HANDLED_CRITICAL_EXTENSIONS, OID } from './oids';

/** Everything the verifier reads from one certificate, parsed once. */
export interface ParsedCert {
  der: Buffer;
  /** Hex SHA-256 of `der`: the key verifier caches file this certificate under. */
  fingerprint: string;
  /** node:crypto's view, for signature checks and the public key. */
  node: NodeCertificate;
  publicKey: KeyObject;
  version: number;
  serial: Buffer;
  subject: DistinguishedName;
  issuer: DistinguishedName;
  notBefore: Date;
  notAfter: Date;
  /** OID of the outer signature algorithm. */
  signatureAlgorithm: string;
  subjectKeyId?: Buffer;
  authorityKeyId?: { keyId?: Buffer; issuer?: DistinguishedName; serial?: Buffer };
  basicConstraints?: { ca: boolean; pathLen?: number };
  keyUsage?: ReadonlySet<KeyUsageType>;
  extKeyUsage?: readonly string[];
  subjectAltNames?: readonly GeneralName[];
  nameConstraints?: NameConstraints;
  /** OIDs of critical extensions Keyport does not process. */
  unhandledCritical: readonly string[];
  /** Subject and issuer names are equal (OpenSSL's EXFLAG_SI). */
  selfIssued: boolean;
}

/** Why a certificate could not be read; the caller turns it into a message naming the certificate. */
export class MalformedCertificate extends Error {}

/** Parses DER into a ParsedCert; throws MalformedCertificate when any part cannot be read. */
export function parseCert(der: Buffer): ParsedCert {
  let asn: Certificate;
  let node: NodeCertificate;
  try {
    asn = AsnConvert.parse(der, Certificate);
    node = new NodeCertificate(der);
  } catch (e) {
    throw new MalformedCertificate('it is not a valid X.509 certificate', { cause: e });
  }
  const tbs = asn.tbsCertificate;
  const cert: ParsedCert = {
    der,
    fingerprint: fingerprintOf(der),
    node,
    publicKey: readPublicKey(node),
    version: tbs.version + 1,
    serial: Buffer.from(tbs.serialNumber),
    subject: readName(tbs.subject),
    issuer: readName(tbs.issuer),
    notBefore: tbs.validity.notBefore.getTime(),
    notAfter: tbs.validity.notAfter.getTime(),
    signatureAlgorithm: asn.signatureAlgorithm.algorithm,
    unhandledCritical: [],
    selfIssued: false,
  };
  cert.selfIssued = cert.subject.key === cert.issuer.key;
  readExtensions(cert, tbs.extensions ?? []);
  return cert;
}

/** Hex SHA-256 of a DER certificate. */
export function fingerprintOf(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex');
}

function readPublicKey(node: NodeCertificate): KeyObject {
  try {
    return node.publicKey;
  } catch (e) {
    throw new MalformedCertificate('its public key type is not supported', { cause: e });
  }
}

function readExtensions(cert: ParsedCert, extensions: readonly Extension[]): void {
  const seen = new Set<string>();
  const unhandled: string[] = [];
  for (const ext of extensions) {
    if (seen.has(ext.extnID)) throw new MalformedCertificate(`it repeats the extension ${ext.extnID}`);
    seen.add(ext.extnID);
    const value = Buffer.from(ext.extnValue.buffer);
    try {
      readExtension(cert, ext.extnID, value);
    } catch (e) {
      throw new MalformedCertificate(`its extension ${ext.extnID} cannot be read`, { cause: e });
    }
    if (ext.critical && !HANDLED_CRITICAL_EXTENSIONS.has(ext.extnID)) unhandled.push(ext.extnID);
  }
  cert.unhandledCritical = unhandled;
}

function readExtension(cert: ParsedCert, oid: string, value: Buffer): void {
  switch (oid) {
    case OID.basicConstraints: {
      const bc = AsnConvert.parse(value, BasicConstraints);
      if (bc.pathLenConstraint !== undefined && bc.pathLenConstraint < 0) throw new Error('negative path length');
      cert.basicConstraints = { ca: bc.cA, pathLen: bc.pathLenConstraint };
      break;
    }
    case OID.keyUsage: {
      const usages = AsnConvert.parse(value, KeyUsage).toJSON();
      // RFC 5280 4.2.1.3: at least one bit; OpenSSL marks an empty one invalid too.
      if (usages.length === 0) throw new Error('empty key usage');
      cert.keyUsage = new Set(usages);
      break;
    }
    case OID.extKeyUsage:
      cert.extKeyUsage = [...AsnConvert.parse(value, ExtendedKeyUsage)];
      break;
    case OID.subjectAltName:
      cert.subjectAltNames = decodeGeneralNames(value);
      break;
    case OID.nameConstraints:
      cert.nameConstraints = decodeNameConstraints(value);
      break;
    case OID.subjectKeyIdentifier:
      cert.subjectKeyId = Buffer.from(AsnConvert.parse(value, SubjectKeyIdentifier).buffer);
      break;
    case OID.authorityKeyIdentifier:
      cert.authorityKeyId = readAuthorityKeyId(value);
      break;
  }
}

function readAuthorityKeyId(value: Buffer): ParsedCert['authorityKeyId'] {
  const aki = AsnConvert.parse(value, AuthorityKeyIdentifier);
  const dirName = aki.authorityCertIssuer?.find((n) => n.directoryName)?.directoryName;
  return {
    keyId: aki.keyIdentifier ? Buffer.from(aki.keyIdentifier.buffer) : undefined,
    issuer: dirName ? readName(dirName) : undefined,
    serial: aki.authorityCertSerialNumber ? Buffer.from(aki.authorityCertSerialNumber) : undefined,
  };
}
