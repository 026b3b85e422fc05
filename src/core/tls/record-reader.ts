import { AlertDescription, MAX_CIPHERTEXT_12 } from './constants';
import { protocolError } from './tls-error';

/** One framed (still protected) record. */
export interface RawRecord {
  header: Buffer;
  body: Buffer;
}

/**
 * Cuts the incoming byte stream into records without copying when a record lies within one
 * chunk. Holds only what the transport delivered; the socket pauses the transport when
 * `buffered` grows (see socket.ts). With a transport that reuses its read buffer, settle()
 * copies what is left; a record cut by the end of a read (most are: reads are often smaller than
 * a record) is then put together in the reader's assembly buffer, so its bytes are copied once.
 */
export class RecordReader {
  private chunks: Buffer[] = [];
  private head = 0;
  private total = 0;
  private seenRecord = false;
  /** A record being put together across reads: its whole length, of which `filled` bytes are in. */
  private assembling: { record: Buffer; filled: number } | undefined;
  /**
   * The memory every cut record of this reader is put together in, written over for each: a fresh
   * 16 KB buffer per read was external memory that made V8 collect during bulk transfers.
   */
  private assembly: Buffer | undefined;

  get buffered(): number {
    return this.total;
  }

  push(chunk: Buffer): void {
    if (this.assembling) chunk = this.fill(this.assembling, chunk);
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.total += chunk.length;
  }

  /**
   * Copies the bytes still held out of buffers the transport will reuse. Only for records that
   * are all decrypted into other memory (an open connection): nobody may keep a view of a
   * record's bytes once it was taken, since the next cut record is put together over them.
   */
  settle(): void {
    if (this.total === 0 || this.assembling) return;
    const whole = this.total >= 5 ? 5 + this.peek(5).readUInt16BE(3) : 0;
    const partialRecord = this.total < whole && whole <= 5 + MAX_CIPHERTEXT_12;
    // A held record is always whole, so a partial one means the assembly buffer is not among the held bytes.
    const owned = partialRecord ? (this.assembly ??= Buffer.allocUnsafeSlow(5 + MAX_CIPHERTEXT_12)).subarray(0, whole) : Buffer.allocUnsafe(this.total);
    this.copyInto(owned, this.total);
    if (partialRecord) this.assembling = { record: owned, filled: this.total };
    this.chunks = partialRecord ? [] : [owned];
    this.head = 0;
  }

  /** The held bytes that lie in one buffer from the next record on (none while one is assembled). */
  contiguous(): Buffer | undefined {
    if (this.total === 0 || this.assembling) return undefined;
    const first = this.chunks[0] as Buffer;
    return this.head === 0 ? first : first.subarray(this.head);
  }

  /** Drops the first `n` held bytes: whole records the caller took from contiguous(). */
  skip(n: number): void {
    this.seenRecord = true;
    this.advance(n);
  }

  /** The next complete record, or null until more bytes arrive. */
  next(): RawRecord | null {
    if (this.total < 5 || this.assembling) return null;
    const header = this.peek(5);
    this.checkHeader(header);
    const length = header.readUInt16BE(3);
    if (this.total < 5 + length) return null;
    const whole = this.take(5 + length);
    this.seenRecord = true;
    return { header: whole.subarray(0, 5), body: whole.subarray(5) };
  }

  /** Copies what the assembled record still lacks from `chunk`; returns the rest of the chunk. */
  private fill(a: { record: Buffer; filled: number }, chunk: Buffer): Buffer {
    const n = Math.min(a.record.length - a.filled, chunk.length);
    chunk.copy(a.record, a.filled, 0, n);
    a.filled += n;
    this.total += n;
    if (a.filled === a.record.length) {
      this.chunks.push(a.record);
      this.assembling = undefined;
    }
    return chunk.subarray(n);
  }

  private checkHeader(h: Buffer): void {
    const type = h[0] as number;
    if (type < 20 || type > 23 || h[1] !== 3) {
      const hint = this.seenRecord ? '' : notTlsHint(h);
      throw protocolError(
        `The server did not answer with TLS${hint}; check the host and port.`,
        AlertDescription.unexpected_message,
      );
    }
    if (h.readUInt16BE(3) > MAX_CIPHERTEXT_12) {
      throw protocolError('The server sent a record longer than TLS allows.', AlertDescription.record_overflow);
    }
  }

  private peek(n: number): Buffer {
    const first = this.chunks[0] as Buffer;
    if (first.length - this.head >= n) return first.subarray(this.head, this.head + n);
    const out = Buffer.allocUnsafe(n);
    this.copyInto(out, n);
    return out;
  }

  private take(n: number): Buffer {
    const first = this.chunks[0] as Buffer;
    let out: Buffer;
    if (first.length - this.head >= n) {
      out = first.subarray(this.head, this.head + n);
    } else {
      out = Buffer.allocUnsafe(n);
      this.copyInto(out, n);
    }
    this.advance(n);
    return out;
  }

  /** Copies the first `n` held bytes to the start of `out`, leaving them held. */
  private copyInto(out: Buffer, n: number): void {
    let written = 0;
    let i = 0;
    let offset = this.head;
    while (written < n) {
      const c = this.chunks[i] as Buffer;
      const k = Math.min(c.length - offset, n - written);
      c.copy(out, written, offset, offset + k);
      written += k;
      i++;
      offset = 0;
    }
  }

  private advance(n: number): void {
    this.total -= n;
    while (n > 0) {
      const c = this.chunks[0] as Buffer;
      const left = c.length - this.head;
      if (n < left) {
        this.head += n;
        return;
      }
      n -= left;
      this.chunks.shift();
      this.head = 0;
    }
  }
}

/** A hint on what the peer speaks instead, from the first bytes. */
function notTlsHint(h: Buffer): string {
  const text = h.toString('latin1');
  if (/^(HTTP\/|<|SSH-|220 |\* OK)/.test(text)) return ` (it sent plain text starting "${text.replace(/[^\x20-\x7e]/g, '.')}")`;
  return ` (it sent bytes ${h.toString('hex')})`;
}
