import { X509Certificate as NodeCertificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { readCertificates } from '../pem';
import { parseCert, type ParsedCert } from './parsed-cert';

/** Debian/Ubuntu/Alpine bundle; where it is missing (macOS, Windows) node's bundled roots stand in. */
export const SYSTEM_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

/**
 * The operating system's trusted roots. Full parsing costs about 2 ms a certificate, so roots are
 * filed by a cheap key (node's text form of the subject, case- and space-folded) and parsed only
 * when a chain asks for that name; the exact OpenSSL name comparison happens after. Roots that
 * cannot be parsed are skipped: one odd root must not stop every connection.
 */
export class SystemStore {
  private readonly buckets = new Map<string, Array<Buffer | ParsedCert | null>>();

  constructor(ders: readonly Buffer[]) {
    for (const der of ders) {
      let subject: string;
      try {
        subject = new NodeCertificate(der).subject;
      } catch {
        continue;
      }
      const list = this.buckets.get(nameBucket(subject)) ?? [];
      list.push(der);
      this.buckets.set(nameBucket(subject), list);
    }
  }

  /** Roots whose subject may equal the name node prints as `subjectText`. */
  withSubject(subjectText: string): ParsedCert[] {
    const list = this.buckets.get(nameBucket(subjectText));
    if (!list) return [];
    for (let i = 0; i < list.length; i++) {
      const entry = list[i];
      if (Buffer.isBuffer(entry)) list[i] = parseQuietly(entry);
    }
    return list.filter((c): c is ParsedCert => c !== null && !Buffer.isBuffer(c));
  }
}

let system: Promise<SystemStore> | undefined;

/** The system store, read once per process. */
export function loadSystemStore(): Promise<SystemStore> {
  system ??= readSystemDers().then((ders) => new SystemStore(ders));
  return system;
}

async function readSystemDers(): Promise<Buffer[]> {
  try {
    return readCertificates(await readFile(SYSTEM_BUNDLE), SYSTEM_BUNDLE);
  } catch {
    // Imported only here, where it is needed: loading Node's TLS module took 4 ms of every
    // command's start-up on Node 20 and 8 ms on Node 24, and Keyport's own TLS never needs it.
    const { rootCertificates } = await import('node:tls');
    return rootCertificates.flatMap((pem) => readCertificates(Buffer.from(pem), 'node root certificates'));
  }
}

function nameBucket(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trim().replace(/\s+/g, ' ').toLowerCase())
    .join('\n');
}

function parseQuietly(der: Buffer): ParsedCert | null {
  try {
    return parseCert(der);
  } catch {
    return null;
  }
}
