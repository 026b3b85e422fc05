import type { ServerHelloFact } from './facts';

const VERSIONS: Record<number, string> = { 0x0300: 'SSLv3', 0x0301: 'TLSv1', 0x0302: 'TLSv1.1', 0x0303: 'TLSv1.2', 0x0304: 'TLSv1.3' };

/**
 * The ServerHello in the server's first bytes, read leniently (the TLS client checks it strictly):
 * its version and extension types, or undefined when the bytes do not start with one.
 */
export function readServerHello(bytes: Buffer): ServerHelloFact | undefined {
  // record: type 22, version, length; handshake: type 2, length(3), then the body
  if (bytes.length < 5 + 4 + 2 + 32 + 1 || bytes[0] !== 22 || bytes[5] !== 2) return undefined;
  let at = 9;
  const version = bytes.readUInt16BE(at);
  at += 2 + 32;
  at += 1 + (bytes[at] ?? 0); // session id
  at += 2 + 1; // cipher suite, compression
  const extensions: number[] = [];
  if (at + 2 <= bytes.length) {
    const end = Math.min(bytes.length, at + 2 + bytes.readUInt16BE(at));
    for (at += 2; at + 4 <= end; at += 4 + bytes.readUInt16BE(at + 2)) {
      const type = bytes.readUInt16BE(at);
      extensions.push(type);
      if (type === 43 && at + 6 <= end) return { version: VERSIONS[bytes.readUInt16BE(at + 4)] ?? 'unknown', extensions };
    }
  }
  return { version: VERSIONS[version] ?? `unknown (0x${version.toString(16)})`, extensions };
}

/** The first bytes as a short printable preview, for a server that did not answer with TLS. */
export function plaintextPreview(bytes: Buffer): string {
  const text = bytes.subarray(0, 80).toString('latin1');
  const line = text.split(/\r?\n/)[0] ?? '';
  return line.replace(/[^\x20-\x7e]/g, '.');
}

/** Whether bytes start like a TLS record (content type 20..23, major version 3). */
export function looksLikeTls(bytes: Buffer): boolean {
  return bytes.length === 0 || (bytes[0]! >= 20 && bytes[0]! <= 23 && (bytes.length < 2 || bytes[1] === 3));
}
