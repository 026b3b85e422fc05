/** Small helpers every test-bed TLS server uses: options checks, PEM files, names. */
import { createHash, X509Certificate } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tempDir } from '../proc.js';
import { TLS_GROUPS, type TlsGroup, type TlsServerOptions, type TlsVersion } from './types.js';

/** Checks the options every server shares; throws one sentence naming the bad option. */
export function checkOptions(o: TlsServerOptions): void {
  if (o.version !== 'TLSv1.2' && o.version !== 'TLSv1.3') {
    throw new Error(`Cannot start a TLS server: version ${String(o.version)} is not TLSv1.2 or TLSv1.3`);
  }
  for (const group of o.groups ?? []) {
    if (!(TLS_GROUPS as readonly string[]).includes(group)) {
      throw new Error(`Cannot start a TLS server: unknown group ${group}; use one of ${TLS_GROUPS.join(', ')}`);
    }
  }
}

/** The groups of `o`, already checked by `checkOptions`. */
export function groupsOf(o: TlsServerOptions): TlsGroup[] {
  return (o.groups ?? []) as TlsGroup[];
}

/** A fresh private temp directory for one server (removed by ../cleanup if the worker dies). */
export async function makeWorkDir(kind: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const tmp = await tempDir(`tls-${kind}`);
  return { dir: tmp.path, remove: () => tmp.remove() };
}

/**
 * Writes the server certificate followed by its intermediates into `dir`, for servers that
 * take the whole chain in one file. Certificates only: the key file is never copied.
 */
export async function writeCertChain(o: TlsServerOptions, dir: string): Promise<string> {
  const parts = [await readFile(o.certFile, 'utf8')];
  if (o.chainFile) parts.push(await readFile(o.chainFile, 'utf8'));
  const file = path.join(dir, 'server-chain.pem');
  await writeFile(file, parts.map((p) => p.trim() + '\n').join(''));
  return file;
}

/** SHA-256 of DER bytes, lower-case hex. */
export function sha256Hex(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('hex');
}

/** SHA-256 fingerprint of the first certificate in a PEM text. */
export function pemFingerprint(pem: string): string {
  return sha256Hex(new X509Certificate(pem).raw);
}

/**
 * The subject of a certificate in RFC 4514 order ("CN=leaf,O=org"), as OpenSSL's RFC2253
 * name option, GnuTLS, Go and nginx print it. Node lists RDNs root-first, one per line.
 */
export function rfc4514Subject(cert: X509Certificate): string {
  return cert.subject.split('\n').reverse().join(',');
}

/** Maps the version names servers print ("TLS1.3", "TLS 1.3", "TLSv1.3") to ours. */
export function normalizeVersion(printed: string): TlsVersion | undefined {
  const minor = /1\.([23])\b/.exec(printed)?.[1];
  return minor === '2' ? 'TLSv1.2' : minor === '3' ? 'TLSv1.3' : undefined;
}
