import { AlertDescription, ContentType, MAX_PLAINTEXT, ProtocolVersion } from './constants';
import { createAead, TAG_LENGTH, type Aead, type AeadRun } from './aead';
import type { CipherSuite } from './cipher-suites';
import { sharedOutput, type OutputSlab } from './output-slab';
import { protocolError, TlsError } from './tls-error';

/** A record as read off the wire: content type and (decrypted) fragment. */
export interface TlsRecord {
  type: number;
  data: Buffer;
}

/** Protection of one direction of records: plaintext, TLS 1.2 AEAD, or TLS 1.3 AEAD. */
export interface RecordProtection {
  readonly encrypted: boolean;
  /** Records sealed or opened with the current key. */
  readonly count: number;
  /** A whole record (header included) carrying `data` (at most 2^14 bytes): its bytes in order, in one or more buffers. */
  seal(type: number, data: Buffer): Buffer[];
  /** Opens the body of a record whose 5-byte header is `header`; the plaintext may be a slice of `into`. */
  open(header: Buffer, body: Buffer, into?: OutputSlab): TlsRecord;
  /**
   * Where the AEAD can (TLS 1.3 on the addon): opens the whole non-empty application-data records
   * at the start of `input` (headers included) in one call, their data back to back in `into`. At
   * most `maxRecords`; undefined when none. Every other record is left to open().
   */
  openRun?(input: Buffer, into: OutputSlab, maxRecords: number): AeadRun | undefined;
}

function header(type: number, length: number, version: number = ProtocolVersion.TLS12): Buffer {
  const h = Buffer.allocUnsafe(5);
  h[0] = type;
  h.writeUInt16BE(version, 1);
  h.writeUInt16BE(length, 3);
  return h;
}

/**
 * Per-record nonce: the IV XOR the 64-bit sequence number (RFC 8446 §5.3, RFC 7905), written
 * into `out`, which is reused per key: both AES-GCM backends copy the nonce when a record starts.
 */
function xorNonce(iv: Buffer, seq: number, out: Buffer): Buffer {
  const hi = Math.floor(seq / 0x100000000);
  const lo = seq >>> 0;
  iv.copy(out, 0, 0, 4);
  out.writeUInt32BE((iv.readUInt32BE(4) ^ hi) >>> 0, 4);
  out.writeUInt32BE((iv.readUInt32BE(8) ^ lo) >>> 0, 8);
  return out;
}

function badMac(): TlsError {
  return new TlsError(
    'KEYPORT_TLS_DECRYPT_ERROR',
    'A record from the server failed authentication; something between us may be altering the traffic.',
    AlertDescription.bad_record_mac,
  );
}

/**
 * No protection: before keys exist. `recordVersion` is the legacy record version written;
 * the initial ClientHello goes out as TLS 1.0, as every major stack sends it (RFC 8446 §5.1).
 */
export class PlainProtection implements RecordProtection {
  readonly encrypted = false;
  count = 0;

  constructor(private readonly recordVersion: number = ProtocolVersion.TLS12) {}

  seal(type: number, data: Buffer): Buffer[] {
    return [header(type, data.length, this.recordVersion), data];
  }

  open(h: Buffer, body: Buffer): TlsRecord {
    if (body.length > MAX_PLAINTEXT) throw overflow();
    return { type: h[0] as number, data: body };
  }
}

function overflow(): TlsError {
  return protocolError('The server sent a record longer than TLS allows.', AlertDescription.record_overflow);
}

/** TLS 1.3 record protection with one traffic key (RFC 8446 §5.2). */
export class Tls13Protection implements RecordProtection {
  readonly encrypted = true;
  count = 0;
  private readonly aead: Aead;
  private readonly typeBytes = new Map<number, Buffer>();
  private readonly nonce = Buffer.alloc(12);

  constructor(
    suite: CipherSuite,
    key: Buffer,
    private readonly iv: Buffer,
  ) {
    this.aead = createAead(suite.aead, key);
  }

  seal(type: number, data: Buffer): Buffer[] {
    const h = header(ContentType.application_data, data.length + 1 + TAG_LENGTH);
    let trailer = this.typeBytes.get(type);
    if (!trailer) this.typeBytes.set(type, (trailer = Buffer.of(type)));
    return this.aead.seal(xorNonce(this.iv, this.count++, this.nonce), h, h, data, trailer);
  }

  open(h: Buffer, body: Buffer, into: OutputSlab = sharedOutput): TlsRecord {
    if (h[0] !== ContentType.application_data) {
      throw protocolError(
        'The server sent an unencrypted record after encryption started.',
        AlertDescription.unexpected_message,
      );
    }
    const inner = this.aead.open(xorNonce(this.iv, this.count++, this.nonce), h, body, into);
    if (!inner) throw badMac();
    // The limit covers content type and padding too (RFC 8446 §5.4).
    if (inner.length > MAX_PLAINTEXT + 1) throw overflow();
    let end = inner.length - 1;
    while (end >= 0 && inner[end] === 0) end--;
    if (end < 0) throw protocolError('The server sent a record without a content type.', AlertDescription.unexpected_message);
    const type = inner[end] as number;
    // The next record's plaintext goes over this one's content type, right after its data.
    into.trim(inner, end);
    return { type, data: inner.subarray(0, end) };
  }

  openRun(input: Buffer, into: OutputSlab, maxRecords: number): AeadRun | undefined {
    const run = this.aead.openRun?.(this.iv, this.count, input, into, maxRecords);
    if (run) this.count += run.records;
    return run;
  }
}

/** TLS 1.2 AEAD record protection (RFC 5288 for GCM, RFC 7905 for ChaCha20-Poly1305). */
export class Tls12Protection implements RecordProtection {
  readonly encrypted = true;
  count = 0;
  private readonly aead: Aead;
  private readonly explicitNonce: boolean;
  private readonly nonce = Buffer.alloc(12);

  constructor(
    suite: CipherSuite,
    key: Buffer,
    private readonly iv: Buffer,
  ) {
    this.aead = createAead(suite.aead, key);
    this.explicitNonce = suite.aead !== 'chacha20-poly1305';
  }

  seal(type: number, data: Buffer): Buffer[] {
    const seq = this.count++;
    const aad = this.aad(seq, type, data.length);
    if (!this.explicitNonce) {
      return this.aead.seal(xorNonce(this.iv, seq, this.nonce), aad, header(type, data.length + TAG_LENGTH), data);
    }
    const explicit = seqBytes(seq);
    const prefix = Buffer.concat([header(type, 8 + data.length + TAG_LENGTH), explicit]);
    return this.aead.seal(Buffer.concat([this.iv, explicit]), aad, prefix, data);
  }

  open(h: Buffer, body: Buffer, into?: OutputSlab): TlsRecord {
    const seq = this.count++;
    const type = h[0] as number;
    let nonce: Buffer;
    let sealed = body;
    if (this.explicitNonce) {
      if (body.length < 8 + TAG_LENGTH) throw badMac();
      nonce = Buffer.concat([this.iv, body.subarray(0, 8)]);
      sealed = body.subarray(8);
    } else {
      if (body.length < TAG_LENGTH) throw badMac();
      nonce = xorNonce(this.iv, seq, this.nonce);
    }
    const plainLength = sealed.length - TAG_LENGTH;
    if (plainLength > MAX_PLAINTEXT) throw overflow();
    const data = this.aead.open(nonce, this.aad(seq, type, plainLength), sealed, into);
    if (!data) throw badMac();
    return { type, data };
  }

  private aad(seq: number, type: number, length: number): Buffer {
    const a = Buffer.allocUnsafe(13);
    seqBytes(seq).copy(a, 0);
    a[8] = type;
    a[9] = 3;
    a[10] = 3;
    a.writeUInt16BE(length, 11);
    return a;
  }
}

function seqBytes(seq: number): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeUInt32BE(Math.floor(seq / 0x100000000), 0);
  b.writeUInt32BE(seq >>> 0, 4);
  return b;
}
