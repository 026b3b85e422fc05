import { AlertDescription } from './constants';
import { TlsError } from './tls-error';

/** Reads TLS wire structures (RFC 8446 §3) from one buffer; every overrun is a decode_error. */
export class Reader {
  private offset = 0;

  constructor(
    private readonly buf: Buffer,
    private readonly what: string,
  ) {}

  get remaining(): number {
    return this.buf.length - this.offset;
  }

  u8(): number {
    this.need(1);
    return this.buf[this.offset++] as number;
  }

  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  u24(): number {
    this.need(3);
    const v = this.buf.readUIntBE(this.offset, 3);
    this.offset += 3;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  /** The next `n` bytes, as a view (no copy). */
  bytes(n: number): Buffer {
    this.need(n);
    const v = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return v;
  }

  vec8(): Buffer {
    return this.bytes(this.u8());
  }

  vec16(): Buffer {
    return this.bytes(this.u16());
  }

  vec24(): Buffer {
    return this.bytes(this.u24());
  }

  /** A reader over the next u16-length-prefixed vector. */
  sub16(what = this.what): Reader {
    return new Reader(this.vec16(), what);
  }

  /** Throws unless every byte was consumed. */
  end(): void {
    if (this.remaining !== 0) throw malformed(this.what);
  }

  private need(n: number): void {
    if (this.offset + n > this.buf.length) throw malformed(this.what);
  }
}

function malformed(what: string): TlsError {
  return new TlsError(
    'KEYPORT_TLS_PROTOCOL',
    `The server sent a malformed ${what}; the server or something in between is not speaking TLS correctly.`,
    AlertDescription.decode_error,
  );
}

/** Builds TLS wire structures; nested length prefixes are filled in when their body is done. */
export class Writer {
  private parts: Buffer[] = [];
  private length = 0;

  u8(v: number): this {
    return this.push(Buffer.of(v & 0xff));
  }

  u16(v: number): this {
    const b = Buffer.allocUnsafe(2);
    b.writeUInt16BE(v);
    return this.push(b);
  }

  u24(v: number): this {
    const b = Buffer.allocUnsafe(3);
    b.writeUIntBE(v, 0, 3);
    return this.push(b);
  }

  u32(v: number): this {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32BE(v >>> 0);
    return this.push(b);
  }

  bytes(b: Uint8Array): this {
    return this.push(Buffer.isBuffer(b) ? b : Buffer.from(b));
  }

  vec8(body: Uint8Array | ((w: Writer) => void)): this {
    return this.vec(1, body);
  }

  vec16(body: Uint8Array | ((w: Writer) => void)): this {
    return this.vec(2, body);
  }

  vec24(body: Uint8Array | ((w: Writer) => void)): this {
    return this.vec(3, body);
  }

  finish(): Buffer {
    return Buffer.concat(this.parts, this.length);
  }

  private vec(prefix: 1 | 2 | 3, body: Uint8Array | ((w: Writer) => void)): this {
    let content: Buffer;
    if (typeof body === 'function') {
      const inner = new Writer();
      body(inner);
      content = inner.finish();
    } else {
      content = Buffer.isBuffer(body) ? body : Buffer.from(body);
    }
    if (content.length >= 2 ** (8 * prefix)) throw new RangeError('TLS vector too long');
    if (prefix === 1) this.u8(content.length);
    else if (prefix === 2) this.u16(content.length);
    else this.u24(content.length);
    return this.push(content);
  }

  private push(b: Buffer): this {
    this.parts.push(b);
    this.length += b.length;
    return this;
  }
}
