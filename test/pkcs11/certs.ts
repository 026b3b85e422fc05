/** Certificates for token keys, issued by a throwaway in-memory CA (WebCrypto ECDSA P-256). */
import { webcrypto } from 'node:crypto';
import * as x509 from '../../src/core/pki/x509';

const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
let ca: Promise<CryptoKeyPair> | undefined;

/** A DER certificate for the public key `spki`, issued by the test CA. */
export async function issueCertificate(spki: Buffer, cn: string): Promise<Buffer> {
  ca ??= webcrypto.subtle.generateKey(alg, false, ['sign', 'verify']) as Promise<CryptoKeyPair>;
  const keys = await ca;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: '01' + Buffer.from(webcrypto.getRandomValues(new Uint8Array(8))).toString('hex'),
    subject: `CN=${cn}`,
    issuer: 'CN=Keyport Test CA',
    publicKey: new Uint8Array(spki),
    signingKey: keys.privateKey,
    signingAlgorithm: alg,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
  });
  return Buffer.from(cert.rawData);
}
