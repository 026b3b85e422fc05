import { isIP } from 'node:net';
import { AsnConvert } from '@peculiar/asn1-schema';
import { CertificationRequest, CertificationRequestInfo } from '@peculiar/asn1-csr';
import { AlgorithmIdentifier, Attribute, Extension, Extensions, Name, SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { KeyportError } from '../../shared/errors';
import type { Signer, SignatureScheme } from '../keystores/types';
import { encodePem } from './pem';
import * as x509 from './x509';

const EXTENSION_REQUEST = '1.2.840.113549.1.9.14';

/** How a CSR is signed for each key kind: the scheme asked of the signer and its X.509 algorithm. */
const CSR_SIGNATURES: Record<string, { scheme: SignatureScheme; oid: string; nullParams: boolean }> = {
  'EC-P256': { scheme: 'ecdsa_secp256r1_sha256', oid: '1.2.840.10045.4.3.2', nullParams: false },
  'EC-P384': { scheme: 'ecdsa_secp384r1_sha384', oid: '1.2.840.10045.4.3.3', nullParams: false },
  RSA: { scheme: 'rsa_pkcs1_sha256', oid: '1.2.840.113549.1.1.11', nullParams: true },
  Ed25519: { scheme: 'ed25519', oid: '1.3.101.112', nullParams: false },
};

/** What goes into a CSR. `sans` entries are `DNS:x`, `IP:x`, `email:x`, `URI:x` or a bare name. */
export interface CsrRequest {
  subject: string;
  sans?: string[];
  signer: Signer;
}

/** Builds and signs a PKCS#10 request with a key that can only sign. Returns PEM. */
export async function createCsr({ subject, sans = [], signer }: CsrRequest): Promise<string> {
  const info = new CertificationRequestInfo({
    subject: parseSubject(subject),
    subjectPKInfo: AsnConvert.parse(signer.publicKeySpki, SubjectPublicKeyInfo),
  });
  if (sans.length > 0) info.attributes.push(extensionRequest(sans));
  const how = csrSignature(signer.algorithm);
  const tbs = Buffer.from(AsnConvert.serialize(info));
  const signature = await signer.sign(how.scheme, tbs);
  const csr = new CertificationRequest({
    certificationRequestInfo: info,
    signatureAlgorithm: new AlgorithmIdentifier({
      algorithm: how.oid,
      parameters: how.nullParams ? new Uint8Array([0x05, 0x00]).buffer : undefined,
    }),
    signature: new Uint8Array(signature).buffer,
  });
  return encodePem('CERTIFICATE REQUEST', Buffer.from(AsnConvert.serialize(csr)));
}

function csrSignature(algorithm: string) {
  const how = CSR_SIGNATURES[algorithm.startsWith('RSA-') ? 'RSA' : algorithm];
  if (!how) throw new KeyportError('KEYPORT_KEY_UNSUPPORTED', `Cannot make a CSR: ${algorithm} keys are not supported.`);
  return how;
}

function parseSubject(dn: string): Name {
  try {
    return AsnConvert.parse(new x509.Name(dn).toArrayBuffer(), Name);
  } catch (e) {
    throw new KeyportError(
      'KEYPORT_INVALID_ARGUMENT',
      `Cannot read subject "${dn}": write it as a distinguished name such as "CN=alice,O=Example".`,
      { cause: e },
    );
  }
}

/** A SAN as given on the command line, typed: `DNS:`, `IP:`, `email:`, `URI:`, or guessed from its shape. */
export function parseSan(san: string): { type: 'dns' | 'ip' | 'email' | 'url'; value: string } {
  const m = /^(DNS|IP|email|URI):(.+)$/i.exec(san);
  if (m) {
    const types = { dns: 'dns', ip: 'ip', email: 'email', uri: 'url' } as const;
    const type = types[m[1]!.toLowerCase() as keyof typeof types];
    if (type === 'ip' && !isIP(m[2]!)) {
      throw new KeyportError('KEYPORT_INVALID_ARGUMENT', `Cannot use SAN "${san}": "${m[2]}" is not an IP address.`);
    }
    return { type, value: m[2]! };
  }
  if (isIP(san)) return { type: 'ip', value: san };
  if (san.includes('@')) return { type: 'email', value: san };
  return { type: 'dns', value: san };
}

function extensionRequest(sans: string[]): Attribute {
  const ext = new x509.SubjectAlternativeNameExtension(sans.map(parseSan));
  const extensions = new Extensions([AsnConvert.parse(ext.rawData, Extension)]);
  return new Attribute({ type: EXTENSION_REQUEST, values: [AsnConvert.serialize(extensions)] });
}
