import { AlertDescription, HandshakeNames, MAX_HANDSHAKE_MESSAGE } from './constants';
import { protocolError } from './tls-error';

/** One complete handshake message. */
export interface HandshakeMessage {
  type: number;
  body: Buffer;
  /** type, length and body as on the wire: what the transcript hashes. */
  raw: Buffer;
}

/** Reassembles handshake messages that span records, and splits records holding several. */
export class HandshakeBuffer {
  private pending: Buffer = Buffer.alloc(0);

  get empty(): boolean {
    return this.pending.length === 0;
  }

  push(fragment: Buffer): void {
    if (fragment.length === 0) {
      throw protocolError('The server sent an empty handshake record.', AlertDescription.unexpected_message);
    }
    this.pending = this.pending.length ? Buffer.concat([this.pending, fragment]) : fragment;
  }

  next(): HandshakeMessage | null {
    if (this.pending.length < 4) return null;
    const length = this.pending.readUIntBE(1, 3);
    if (length > MAX_HANDSHAKE_MESSAGE) {
      const name = HandshakeNames[this.pending[0] as number] ?? 'handshake message';
      throw protocolError(`The server sent a ${name} larger than ${MAX_HANDSHAKE_MESSAGE} bytes.`, AlertDescription.illegal_parameter);
    }
    if (this.pending.length < 4 + length) return null;
    const raw = this.pending.subarray(0, 4 + length);
    this.pending = this.pending.subarray(4 + length);
    return { type: raw[0] as number, body: raw.subarray(4), raw };
  }
}
