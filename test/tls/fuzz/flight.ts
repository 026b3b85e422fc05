/** A server flight as TLS records and, for plaintext handshake records, handshake messages. */

/** One TLS record of a flight. */
export interface FlightRecord {
  type: number;
  version: number;
  body: Buffer;
}

/** One handshake message: type and body (the 4-byte header is rebuilt on encoding). */
export interface FlightMessage {
  type: number;
  body: Buffer;
}

export const HANDSHAKE = 22;
export const MAX_FRAGMENT = 16384;

/** Cuts bytes into records; a trailing partial record is kept as raw tail bytes. */
export function parseRecords(bytes: Buffer): { records: FlightRecord[]; tail: Buffer } {
  const records: FlightRecord[] = [];
  let p = 0;
  while (p + 5 <= bytes.length) {
    const len = bytes.readUInt16BE(p + 3);
    if (p + 5 + len > bytes.length) break;
    records.push({ type: bytes[p] as number, version: bytes.readUInt16BE(p + 1), body: bytes.subarray(p + 5, p + 5 + len) });
    p += 5 + len;
  }
  return { records, tail: bytes.subarray(p) };
}

export function encodeRecord(r: FlightRecord): Buffer {
  const h = Buffer.alloc(5);
  h[0] = r.type;
  h.writeUInt16BE(r.version, 1);
  h.writeUInt16BE(r.body.length & 0xffff, 3);
  return Buffer.concat([h, r.body]);
}

export function encodeRecords(records: readonly FlightRecord[]): Buffer {
  return Buffer.concat(records.map(encodeRecord));
}

/** Handshake messages in a byte stream; a trailing partial message is returned as `tail`. */
export function parseMessages(stream: Buffer): { messages: FlightMessage[]; tail: Buffer } {
  const messages: FlightMessage[] = [];
  let p = 0;
  while (p + 4 <= stream.length) {
    const len = stream.readUIntBE(p + 1, 3);
    if (p + 4 + len > stream.length) break;
    messages.push({ type: stream[p] as number, body: stream.subarray(p + 4, p + 4 + len) });
    p += 4 + len;
  }
  return { messages, tail: stream.subarray(p) };
}

export function encodeMessage(m: FlightMessage): Buffer {
  const h = Buffer.alloc(4);
  h[0] = m.type;
  h.writeUIntBE(m.body.length, 1, 3);
  return Buffer.concat([h, m.body]);
}

/** A handshake byte stream framed as records of at most `size` bytes. */
export function fragment(stream: Buffer, version: number, size = MAX_FRAGMENT): FlightRecord[] {
  const out: FlightRecord[] = [];
  for (let off = 0; off < stream.length; off += size) out.push({ type: HANDSHAKE, version, body: stream.subarray(off, off + size) });
  return out;
}
