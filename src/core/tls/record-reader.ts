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
 * `buffered` grows (see socket.ts).
 */
export class RecordReader {
  private chunks: Buffer[] = [];
  private head = 0;
  private total = 0;
  private seenRecord = false;

  get buffered(): number {
    return this.total;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.total += chunk.length;
  }

  /** Copies the bytes still held into a buffer of our own, before the transport reuses its read buffer. */
  settle(): void {
    if (this.total === 0) return;
    this.chunks = [this.copyOut(this.total, false)];
    this.head = 0;
  }

  /** The next complete record, or null until more bytes arrive. */
  next(): RawRecord | null {
    if (this.total < 5) return null;
    const header = this.peek(5);
    this.checkHeader(header);
    const length = header.readUInt16BE(3);
    if (this.total < 5 + length) return null;
    const whole = this.take(5 + length);
    this.seenRecord = true;
    return { header: whole.subarray(0, 5), body: whole.subarray(5) };
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
    return this.copyOut(n, false);
  }

  private take(n: number): Buffer {
    const first = this.chunks[0] as Buffer;
    if (first.length - this.head >= n) {
      const out = first.subarray(this.head, this.head + n);
      this.advance(n);
      return out;
    }
    return this.copyOut(n, true);
  }

  private copyOut(n: number, consume: boolean): Buffer {
    const out = Buffer.allocUnsafe(n);
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
    if (consume) this.advance(n);
    return out;
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
