/**
 * Reads the handshake log `openssl s_server -msg -msgfile F` writes: which connections
 * completed, with which version, and the client certificate the server received.
 * s_server's summary prints the client's subject but not its certificate; this log has
 * the bytes, so the fingerprint comes from what the server really got.
 */
import { sha256Hex } from './common.js';
import type { TlsVersion } from './types.js';

/** One handshake as the server logged it. */
export interface LoggedHandshake {
  /** From the ServerHello's record label. */
  version?: TlsVersion;
  /** SHA-256 of the first certificate the client sent, when it sent one. */
  clientCertFingerprint?: string;
  /** The client's Finished arrived, so the handshake completed. */
  completed: boolean;
  /** The server sent a HelloRetryRequest: the next ClientHello belongs to this handshake. */
  retried?: boolean;
}

interface Message {
  incoming: boolean;
  label: string;
  bytes: number[];
}

const HEADER = /^(<<<|>>>) (TLS [\d.]+), Handshake \[length [0-9a-f]+\], (\w+)/;

/** Splits a msgfile into handshakes, one per ClientHello received. */
export function parseMsgLog(text: string): LoggedHandshake[] {
  const handshakes: LoggedHandshake[] = [];
  let current: LoggedHandshake | undefined;
  for (const message of readMessages(text)) {
    if (message.incoming && message.label.endsWith('ClientHello')) {
      if (current?.retried) {
        current.retried = false;
        continue;
      }
      current = { completed: false };
      handshakes.push(current);
    }
    if (!current) continue;
    recordMessage(current, message);
  }
  return handshakes;
}

function recordMessage(h: LoggedHandshake, m: Message): void {
  const [, , version, type] = HEADER.exec(m.label) ?? [];
  if (!m.incoming && type === 'ServerHello' && isHelloRetryRequest(m.bytes)) {
    h.retried = true;
  } else if (!m.incoming && type === 'ServerHello' && version) {
    h.version = version === 'TLS 1.3' ? 'TLSv1.3' : version === 'TLS 1.2' ? 'TLSv1.2' : undefined;
  } else if (m.incoming && type === 'Certificate' && h.version) {
    const der = firstCertificate(m.bytes, h.version);
    if (der) h.clientCertFingerprint = sha256Hex(der);
  } else if (m.incoming && type === 'Finished') {
    h.completed = true;
  }
}

/** RFC 8446 4.1.3: a HelloRetryRequest is a ServerHello with this fixed random. */
const HRR_RANDOM = 'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c';

function isHelloRetryRequest(msg: number[]): boolean {
  // type(1) length(3) legacy_version(2), then the 32-byte random
  return Buffer.from(msg.slice(6, 38)).toString('hex') === HRR_RANDOM;
}

function* readMessages(text: string): Generator<Message> {
  let current: Message | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('<<< ') || line.startsWith('>>> ')) {
      if (current) yield current;
      current = { incoming: line.startsWith('<<<'), label: line, bytes: [] };
    } else if (current && /^\s+[0-9a-f]{2}( |$)/.test(line)) {
      for (const hex of line.trim().split(/\s+/)) current.bytes.push(parseInt(hex, 16));
    }
  }
  if (current) yield current;
}

/**
 * The first certificate of a Certificate handshake message (RFC 8446 4.4.2, RFC 5246 7.4.2):
 * type(1) length(3) [TLS 1.3: context(1+n)] list length(3), then length(3) + DER.
 */
function firstCertificate(msg: number[], version: TlsVersion): Uint8Array | undefined {
  let at = 4;
  if (version === 'TLSv1.3') at += 1 + (msg[at] ?? 0);
  const listLength = uint24(msg, at);
  if (listLength === 0) return undefined;
  const certLength = uint24(msg, at + 3);
  const start = at + 6;
  if (certLength === 0 || start + certLength > msg.length) return undefined;
  return Uint8Array.from(msg.slice(start, start + certLength));
}

function uint24(bytes: number[], at: number): number {
  return ((bytes[at] ?? 0) << 16) | ((bytes[at + 1] ?? 0) << 8) | (bytes[at + 2] ?? 0);
}
