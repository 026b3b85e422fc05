/**
 * A minimal DER reader for the two structures whose raw bytes matter to the verifier and that
 * @peculiar/asn1-x509 turns into lossy strings: iPAddress general names and IP name-constraint
 * subtrees (address plus mask). Everything else is read with @peculiar/asn1-x509.
 */

/** One DER element: its identifier octet split up, and its contents. */
export interface Tlv {
  tagClass: 'universal' | 'application' | 'context' | 'private';
  constructed: boolean;
  tagNumber: number;
  contents: Buffer;
  /** The whole element, header included. */
  raw: Buffer;
}

const CLASSES = ['universal', 'application', 'context', 'private'] as const;

/** Reads the element at `offset`; throws on truncation, indefinite lengths or high tag numbers. */
export function readTlv(buf: Buffer, offset = 0): Tlv & { end: number } {
  const id = byteAt(buf, offset);
  if ((id & 0x1f) === 0x1f) throw new Error('high tag numbers are not used in certificates');
  let pos = offset + 1;
  let length = byteAt(buf, pos++);
  if (length === 0x80) throw new Error('indefinite length is not DER');
  if (length > 0x80) {
    const count = length & 0x7f;
    if (count > 4) throw new Error('element too long');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + byteAt(buf, pos++);
  }
  const end = pos + length;
  if (end > buf.length) throw new Error('truncated element');
  return {
    tagClass: CLASSES[id >> 6] ?? 'universal',
    constructed: (id & 0x20) !== 0,
    tagNumber: id & 0x1f,
    contents: buf.subarray(pos, end),
    raw: buf.subarray(offset, end),
    end,
  };
}

/** The elements inside a constructed element's contents (a SEQUENCE or SET body). */
export function readChildren(contents: Buffer): Tlv[] {
  const out: Tlv[] = [];
  let offset = 0;
  while (offset < contents.length) {
    const tlv = readTlv(contents, offset);
    out.push(tlv);
    offset = tlv.end;
  }
  return out;
}

/** The single element that fills `buf` exactly (trailing bytes are an error). */
export function readWhole(buf: Buffer): Tlv {
  const tlv = readTlv(buf, 0);
  if (tlv.end !== buf.length) throw new Error('trailing bytes after element');
  return tlv;
}

function byteAt(buf: Buffer, i: number): number {
  const b = buf[i];
  if (b === undefined) throw new Error('truncated element');
  return b;
}
