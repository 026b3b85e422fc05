import { AlertLevel, ContentType, MAX_PLAINTEXT, ProtocolVersion } from './constants';
import { FloodLimits } from './flood-limits';
import { HandshakeBuffer } from './handshake-buffer';
import { PlainProtection, type RecordProtection, type TlsRecord } from './record-protection';
import { OutputSlab, sharedOutput } from './output-slab';
import { RecordReader } from './record-reader';
import type { Trace } from './trace';

/**
 * Both directions of the record layer: framing and decrypting what arrives, fragmenting and
 * sealing what leaves. `output` hands finished records to the transport.
 */
export class RecordLayer {
  readonly reader = new RecordReader();
  readonly handshake = new HandshakeBuffer();
  readonly limits = new FloodLimits();
  read: RecordProtection = new PlainProtection();
  /** The first ClientHello's record says TLS 1.0; later plaintext records say TLS 1.2. */
  write: RecordProtection = new PlainProtection(ProtocolVersion.TLS10);

  /** This connection's own slab for decrypted records, once it recycles; until then the shared one. */
  private received: OutputSlab | undefined;

  /** Records held back until flush(), while a handshake flight is being written. */
  private flight: Buffer[] | undefined = [];

  constructor(
    private readonly output: (records: Buffer[]) => boolean,
    readonly trace: Trace,
  ) {}

  /**
   * Sends the records held so far in one write, and stops holding when `done`. A flight leaves
   * as one TCP segment: a server that refuses our certificate and closes at once has then read
   * all we sent, so it closes cleanly and its alert reaches us instead of a connection reset.
   */
  flush(done = false): boolean {
    const held = this.flight;
    this.flight = done ? undefined : [];
    if (!held?.length) return true;
    return this.output([held.length === 1 ? (held[0] as Buffer) : Buffer.concat(held)]);
  }

  private send(records: Buffer[]): boolean {
    if (!this.flight) return this.output(records);
    this.flight.push(...records);
    return true;
  }

  /**
   * From now on records are decrypted into this connection's own slab, which releaseReceived()
   * hands back for reuse. Only application data stays there; everything else is copied out
   * (handshake messages are kept: fragments until complete, session tickets).
   */
  recycleReceived(): void {
    this.received ??= new OutputSlab();
  }

  /** The application data read so far is no longer referenced by anyone (see recycleReceived). */
  releaseReceived(): void {
    this.received?.release();
  }

  /** The next record off the wire, decrypted; null until one is complete. */
  nextRecord(): TlsRecord | null {
    const raw = this.reader.next();
    if (!raw) return null;
    // TLS 1.3 compatibility ChangeCipherSpec records stay unprotected; the socket decides if one is allowed.
    const record =
      raw.header[0] === ContentType.change_cipher_spec && this.read.encrypted
        ? { type: ContentType.change_cipher_spec, data: raw.body }
        : this.read.open(raw.header, raw.body, this.received);
    if (this.received && record.type !== ContentType.application_data) record.data = Buffer.from(record.data);
    this.limits.onRecord(record.type === ContentType.alert, record.data.length);
    return record;
  }

  /**
   * The data of the whole non-empty application-data records at the head of the input, opened in
   * one call where the protection can (TLS 1.3 on the addon), at most `maxRecords` of them;
   * undefined otherwise. nextRecord() takes every other record, one at a time.
   */
  nextRun(maxRecords: number): Buffer | undefined {
    const input = this.read.openRun && maxRecords > 0 ? this.reader.contiguous() : undefined;
    const run = input && this.read.openRun?.(input, this.received ?? sharedOutput, maxRecords);
    if (!run) return undefined;
    this.reader.skip(run.consumed);
    this.limits.onRecord(false, run.data.length);
    return run.data;
  }

  /** Seals `data` as records of at most 2^14 bytes; false when the transport wants us to wait. */
  writeData(type: number, data: Buffer): boolean {
    if (data.length <= MAX_PLAINTEXT) return this.send(this.write.seal(type, data));
    const records: Buffer[] = [];
    for (let off = 0; off < data.length; off += MAX_PLAINTEXT) {
      records.push(...this.write.seal(type, data.subarray(off, off + MAX_PLAINTEXT)));
    }
    return this.send(records);
  }

  /** One handshake message, traced. */
  writeHandshake(raw: Buffer): void {
    this.trace.handshake('sent', raw[0] as number, raw.length);
    this.writeData(ContentType.handshake, raw);
  }

  writeChangeCipherSpec(): void {
    this.trace.changeCipherSpec('sent');
    this.send(this.write.seal(ContentType.change_cipher_spec, Buffer.of(1)));
  }

  writeAlert(level: number, description: number): void {
    this.trace.alert('sent', level, description);
    this.send(this.write.seal(ContentType.alert, Buffer.of(level, description)));
  }

  writeCloseNotify(): void {
    this.writeAlert(AlertLevel.warning, 0);
  }
}
