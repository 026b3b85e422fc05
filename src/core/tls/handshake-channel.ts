import { KeyportError } from '../../shared/errors';
import { AlertDescription, ContentType, HandshakeType, type TlsVersionName } from './constants';
import { ControlRecords } from './control-records';
import type { HandshakeMessage } from './handshake-buffer';
import type { RecordLayer } from './record-layer';
import type { RecordProtection, TlsRecord } from './record-protection';
import { droppedHint } from './socket-errors';
import { protocolError, TlsError } from './tls-error';
import type { Trace } from './trace';
import type { HandshakeIo } from './types';

/** What the channel needs from its socket's input side. */
export interface HandshakeInput {
  /** False once the socket is open or closed: a waiting read then fails. */
  readonly handshaking: boolean;
  /** The transport ended (or closed): no more input will come. */
  readonly ended: boolean;
  /** Called before waiting: the socket resumes a transport it paused for buffered input. */
  beforeWait(): void;
}

/**
 * The handshake's view of a socket (HandshakeIo): handshake messages read from the server's
 * records (alerts and ChangeCipherSpec handled on the way), our flights sent, keys installed.
 * The socket calls wakeUp() on new input, on the transport's end and when it closes.
 */
export class HandshakeChannel implements HandshakeIo {
  /** Negotiated version once known (ControlRecords reads it too). */
  version: TlsVersionName | undefined;
  readonly control: ControlRecords;
  private wake: (() => void) | undefined;

  constructor(
    private readonly layer: RecordLayer,
    readonly trace: Trace,
    private readonly input: HandshakeInput,
    /** What we are waiting for; a timeout or a cut names it. */
    public step: string,
  ) {
    this.control = new ControlRecords(layer, () => this.version);
  }

  get changeCipherSpecSeen(): boolean {
    return this.control.ccsSeen;
  }

  get handshakeBuffered(): boolean {
    return !this.layer.handshake.empty;
  }

  async readMessage(): Promise<HandshakeMessage> {
    for (;;) {
      if (!this.input.handshaking) throw new KeyportError('KEYPORT_TLS_CLOSED', 'The connection was closed.');
      const msg = this.layer.handshake.next();
      if (msg) {
        // A HelloRequest during a 1.2 handshake is ignored (RFC 5246 §7.4.1.1).
        if (msg.type === HandshakeType.hello_request && this.version !== 'TLSv1.3') continue;
        this.trace.handshake('received', msg.type, msg.raw.length);
        return msg;
      }
      const record = this.layer.nextRecord();
      if (record) this.onRecord(record);
      else {
        this.layer.flush(); // our flight is complete once we wait for the server's
        await this.waitForInput();
      }
    }
  }

  send(raw: Buffer): void {
    this.layer.writeHandshake(raw);
  }

  sendChangeCipherSpec(): void {
    this.layer.writeChangeCipherSpec();
  }

  setReadProtection(p: RecordProtection): void {
    this.control.requireMessageBoundary();
    this.layer.read = p;
  }

  setWriteProtection(p: RecordProtection): void {
    this.layer.write = p;
  }

  expectChangeCipherSpec(p: RecordProtection): void {
    this.control.pendingRead = p;
  }

  /** Lets a waiting readMessage() look again. */
  wakeUp(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private onRecord(record: TlsRecord): void {
    switch (record.type) {
      case ContentType.handshake:
        return this.layer.handshake.push(record.data);
      case ContentType.alert:
        if (this.control.onAlert(record.data, `while ${this.step}`)) {
          throw new TlsError('KEYPORT_TLS_CLOSED', `The server closed the connection (close_notify) while ${this.step}.`);
        }
        return;
      case ContentType.change_cipher_spec:
        return this.control.onChangeCipherSpec(record.data);
      default:
        throw protocolError('The server sent application data before the handshake finished.', AlertDescription.unexpected_message);
    }
  }

  private waitForInput(): Promise<void> {
    this.input.beforeWait();
    if (this.input.ended) {
      const what = `The server closed the connection without an alert while ${this.step} (the stream was cut short)`;
      return Promise.reject(new TlsError('KEYPORT_TLS_CLOSED', `${what}; ${droppedHint(this.trace.events)}.`));
    }
    return new Promise((resolve) => (this.wake = resolve));
  }
}
