/**
 * What OpenSSL says of a certificate or a PKCS#12 file, in the shapes `keyport list --json`
 * uses: the independent oracle for the CLI tests. Nothing read here is written to disk.
 */
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { runChecked } from '../testbed/proc';

/** serial (hex, no leading zero bytes), SHA-256 fingerprint (hex) and validity (ISO 8601), per `openssl x509`. */
export interface CertFacts {
  serial: string;
  fingerprintSha256: string;
  notBefore: string;
  notAfter: string;
}

/** `openssl x509` of a PEM certificate file. */
export async function opensslFacts(certFile: string): Promise<CertFacts> {
  const { stdout } = await runChecked('openssl', [
    'x509', '-in', certFile, '-noout', '-serial', '-fingerprint', '-sha256', '-startdate', '-enddate',
  ]);
  const field = (name: string) => new RegExp(`^${name}=(.*)$`, 'm').exec(stdout)?.[1] ?? '';
  return {
    serial: field('serial').toLowerCase().replace(/^(00)+(?=..)/, ''),
    fingerprintSha256: field('sha256 Fingerprint').replace(/:/g, '').toLowerCase(),
    notBefore: new Date(field('notBefore')).toISOString(),
    notAfter: new Date(field('notAfter')).toISOString(),
  };
}

/** What `openssl pkcs12 -nodes` finds in a file: certificate fingerprints, the key's public half, friendly names. */
export interface Pkcs12View {
  /** SHA-256 fingerprints (hex) of the certificates, in file order. */
  certFingerprints: string[];
  /** SPKI DER of each private key's public half. */
  keySpkis: Buffer[];
  friendlyNames: string[];
}

/** Reads a PKCS#12 with `openssl pkcs12 -nodes` (with `-legacy` for RC2/3DES files); the key stays in memory. */
export async function opensslReadPkcs12(file: string, passwordFile: string, legacy: boolean): Promise<Pkcs12View> {
  const { stdout } = await runChecked(
    'openssl',
    ['pkcs12', '-in', file, '-passin', `file:${passwordFile}`, '-nodes', ...(legacy ? ['-legacy'] : [])],
    { name: 'openssl pkcs12 -in' },
  );
  const blocks = (label: string) => stdout.match(new RegExp(`-----BEGIN ${label}-----[\\s\\S]+?-----END ${label}-----`, 'g')) ?? [];
  return {
    certFingerprints: blocks('CERTIFICATE').map((pem) => new X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase()),
    keySpkis: blocks('PRIVATE KEY').map((pem) => createPublicKey(createPrivateKey(pem)).export({ format: 'der', type: 'spki' })),
    friendlyNames: [...stdout.matchAll(/friendlyName: (.*)$/gm)].map((m) => m[1]!.trim()),
  };
}

/** SPKI DER of a certificate's public key, per `openssl x509 -pubkey`. */
export async function opensslCertSpki(certFile: string): Promise<Buffer> {
  const { stdout } = await runChecked('openssl', ['x509', '-in', certFile, '-noout', '-pubkey']);
  return createPublicKey(stdout).export({ format: 'der', type: 'spki' });
}
