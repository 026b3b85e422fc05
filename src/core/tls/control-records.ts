import { errorForReceivedAlert } from './alerts';
import { AlertDescription, AlertLevel, type TlsVersionName } from './constants';
import type { RecordLayer } from './record-layer';
import type { RecordProtection } from './record-protection';
import { protocolError } from './tls-error';

/**
 * The server's alert and ChangeCipherSpec records: which ones end the connection, which are
 * ignored, and when a 1.2 ChangeCipherSpec switches the read keys.
 */
export class ControlRecords {
  /** The server's ChangeCipherSpec arrived. */
  ccsSeen = false;
  /** 1.2: the read keys to install at the server's ChangeCipherSpec. */
  pendingRead: RecordProtection | undefined;

  constructor(
    private readonly layer: RecordLayer,
    private readonly version: () => TlsVersionName | undefined,
  ) {}

  onChangeCipherSpec(data: Buffer): void {
    if (data.length !== 1 || data[0] !== 1) {
      throw protocolError('The server sent a malformed ChangeCipherSpec.', AlertDescription.unexpected_message);
    }
    this.layer.trace.changeCipherSpec('received');
    if (this.version() === 'TLSv1.2') {
      if (!this.pendingRead) throw protocolError('The server sent ChangeCipherSpec too early.', AlertDescription.unexpected_message);
      this.requireMessageBoundary();
      this.layer.read = this.pendingRead;
      this.pendingRead = undefined;
      this.ccsSeen = true;
    } else if (this.layer.read.encrypted && this.ccsSeen) {
      throw protocolError('The server sent ChangeCipherSpec twice.', AlertDescription.unexpected_message);
    } else {
      this.ccsSeen = true; // TLS 1.3 middlebox compatibility: one is ignored (RFC 8446 §5)
    }
  }

  /**
   * An alert record: true for close_notify (what a close means is the caller's to say: an error
   * during the handshake, the end of the data after it; no exception is built for every clean
   * close), false for alerts that change nothing: user_canceled, and on 1.2 (or before the version
   * is known) any warning, such as the unrecognized_name older servers send. Throws for the rest.
   */
  onAlert(data: Buffer, during: string): boolean {
    if (data.length !== 2) throw protocolError('The server sent a malformed alert.', AlertDescription.decode_error);
    const [level, description] = [data[0] as number, data[1] as number];
    this.layer.trace.alert('received', level, description);
    if (description === AlertDescription.close_notify) return true;
    if (level === AlertLevel.warning && (description === AlertDescription.user_canceled || this.version() !== 'TLSv1.3')) {
      this.layer.limits.onWarningAlert();
      return false;
    }
    throw errorForReceivedAlert(description, during);
  }

  /** Keys may only change between handshake messages (RFC 8446 §5.1). */
  requireMessageBoundary(): void {
    if (!this.layer.handshake.empty) {
      throw protocolError('The server split a handshake message across a key change.', AlertDescription.unexpected_message);
    }
  }
}
