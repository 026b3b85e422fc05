import type { Duplex } from 'node:stream';
import { KeyportError, toKeyportError } from '../../shared/errors';
import { AdjacentChunks } from './adjacent-chunks';
import { AlertDescription, AlertLevel, ContentType } from './constants';
import type { HandshakeMessage } from './handshake-buffer';
import { HandshakeChannel, type HandshakeInput } from './handshake-channel';
import { runHandshake } from './handshake';
import { PostHandshake } from './post-handshake';
import { RecordLayer } from './record-layer';
import type { TlsRecord } from './record-protection';
import { handshakeTimeout, transportError } from './socket-errors';
import { protocolError, TlsError } from './tls-error';
import { Trace, type TraceEvent } from './trace';
import { TransportSocket } from './transport-socket';
import { WRITE_REFUSED } from './tcp-transport';
import type { HandshakeConfig, TlsInfo } from './types';

/** Stop reading the transport while this much undecrypted input waits. */
const INPUT_HIGH_WATER = 512 * 1024;
/** Application data is sealed in slices of this size, so AEAD limits are checked between them. */
const WRITE_SLICE = 256 * 1024;

/** Socket options that are not part of the handshake itself. */
export interface SocketOptions {
  timeoutMs: number;
  keyUpdateAfterRecords: number;
  /** The transport is still connecting (TCP); errors then read "Cannot connect". */
  connecting: boolean;
}

/**
 * A TLS client connection as a Node Duplex: writes are encrypted to the transport, the
 * server's application data is readable. Writes made before the handshake finishes wait
 * for it, so `node:http` can use the socket at once. Emits 'secureConnect' when ready.
 */
export class KeyportTlsSocket extends TransportSocket {
  private readonly layer: RecordLayer;
  private readonly recorder = new Trace();
  private info: TlsInfo | undefined;
  private post: PostHandshake | undefined;
  private state: 'handshaking' | 'open' | 'closed' = 'handshaking';
  private readonly handshake: HandshakeChannel;
  private timer: NodeJS.Timeout | undefined;
  private transportEnded = false;
  private inputPaused = false;
  private readBlocked = false;
  private peerClosed = false;
  private closeNotify = false;
  /** Application data has arrived: a later reset is not a refusal of our certificate. */
  private dataReceived = false;
  private pumping = false;
  /** Application data decrypted in this pump, pushed as one chunk where it lies back to back. */
  private readonly received = new AdjacentChunks();
  /** Where application data goes instead of the readable side, once deliverTo() is called. */
  private sink: ((chunk: Buffer) => void) | undefined;
  private pendingWrite: { chunk: Buffer; cb: (e?: Error | null) => void } | undefined;
  private pendingFinal: ((e?: Error | null) => void) | undefined;
  private written = 0;
  /** The server closed while we wrote: nothing more is sent; what it sent before is read, then we fail with this. */
  private writeRefused: Error | undefined;

  constructor(
    transport: Duplex,
    private readonly cfg: HandshakeConfig,
    private readonly options: SocketOptions,
  ) {
    super(transport);
    this.layer = new RecordLayer((records) => this.output(records), this.recorder);
    const step = options.connecting ? `connecting to ${cfg.host}:${cfg.port}` : 'waiting for the ServerHello';
    this.handshake = new HandshakeChannel(this.layer, this.recorder, this.handshakeInput(), step);
    transport.on('data', (chunk: Buffer) => this.onData(chunk));
    transport.on('end', () => this.onEnd());
    transport.on('close', () => this.onEnd());
    transport.on('error', (e: Error) => this.onTransportError(e));
    transport.on(WRITE_REFUSED, (e: Error) => (this.writeRefused ??= e));
    transport.once('connect', () => (this.options.connecting = false));
    this.timer = setTimeout(() => this.onTimeout(), options.timeoutMs);
    runHandshake(this.handshake, cfg)
      .then((result) => this.onHandshakeDone(result.info, new PostHandshake(this.layer, result, cfg.sessionCache, cfg.sessionKey)))
      .catch((e: unknown) => this.fail(e));
  }

  /** What the handshake negotiated; throws before 'secureConnect'. */
  get tlsInfo(): TlsInfo {
    if (!this.info) throw new KeyportError('KEYPORT_TLS_PROTOCOL', 'The TLS handshake has not finished yet.');
    return this.info;
  }

  /** True once the server said close_notify; an end without it may be a cut stream. */
  get closeNotifyReceived(): boolean {
    return this.closeNotify;
  }

  /** Handshake messages and alerts sent and received, with timings. */
  get trace(): TraceEvent[] {
    return this.recorder.events;
  }

  /** Application bytes sealed and sent so far (before TLS framing; none while handshaking), as the proxy's "bytes up" counts them. */
  get bytesSent(): number {
    return this.written;
  }

  /** True until the handshake is done (as `net.Socket.connecting` for `node:http`). */
  get connecting(): boolean {
    return this.state === 'handshaking';
  }

  /**
   * For a caller whose 'data' chunks are all written on and let go of (coalescedPipe with
   * `recycle`): records are decrypted into this connection's own slab, which is written over
   * again once releaseReads() says the consumer holds none of them.
   */
  recycleReads(): void {
    this.layer.recycleReceived();
  }

  /** The consumer holds no chunk it was given; chunks still buffered in this stream keep the slab. */
  releaseReads(): void {
    if (this.readableLength === 0 && !this.received.holding) this.layer.releaseReceived();
  }

  /**
   * From now on each chunk of application data is handed to `sink` as soon as it is decrypted, not
   * pushed to the readable side (which still ends when the server closes, so 'end' and 'close' come
   * as before). Chunks already buffered go first. The chunk's memory is written over once `sink`
   * returns, so it must write or copy the bytes before then; backpressure is the sink's own blocking.
   * For a consumer that writes synchronously (`keyport connect`'s blocking stdout): no stream, no
   * event and no callback per chunk, and less code for V8 to optimise in a short process.
   */
  deliverTo(sink: (chunk: Buffer) => void): void {
    let buffered: Buffer | null;
    while ((buffered = this.read() as Buffer | null) !== null) sink(buffered);
    this.sink = sink;
    this.layer.recycleReceived();
    this.resume();
  }

  /** TLS 1.3: sends KeyUpdate; `requestPeer` (default true) asks the server to update too. */
  keyUpdate(requestPeer = true): void {
    if (this.state !== 'open' || !this.post?.tls13) {
      throw new KeyportError('KEYPORT_INVALID_ARGUMENT', 'KeyUpdate needs an open TLS 1.3 connection.');
    }
    this.post.keyUpdate(requestPeer);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    if (this.state === 'handshaking') this.pendingWrite = { chunk, cb };
    else this.writeApplicationData(chunk, cb);
  }

  override _final(cb: (e?: Error | null) => void): void {
    if (this.state === 'handshaking') {
      this.pendingFinal = cb;
      return;
    }
    if (this.state === 'open' && !this.transport.destroyed && !this.writeRefused) {
      // Called from within onHandshakeDone when a write made during the handshake was followed by
      // end(): its callback finishes the stream at once. The last flight (our Finished, that data)
      // is then still held and must leave before close_notify and our FIN.
      this.layer.flush(true);
      this.layer.writeCloseNotify();
      this.transport.end();
    }
    cb();
  }

  override _read(): void {
    this.readBlocked = false;
    if (this.state === 'open') this.pump();
  }

  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    this.state = 'closed';
    clearTimeout(this.timer);
    this.transport.destroy();
    this.handshake.wakeUp();
    cb(err);
  }

  private handshakeInput(): HandshakeInput {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    return {
      get handshaking() {
        return self.state === 'handshaking';
      },
      get ended() {
        return self.transportEnded;
      },
      beforeWait: () => {
        if (this.inputPaused && this.layer.reader.buffered < INPUT_HIGH_WATER) {
          this.inputPaused = false;
          this.transport.resume();
        }
      },
    };
  }

  /**
   * Bytes in a read buffer the transport reuses (see tcp-transport.ts). Once open, records are
   * decrypted straight out of it (decryption writes fresh buffers) and only a partial record is
   * copied; during the handshake, plaintext records are kept, so all of it is copied.
   */
  receiveBorrowed(chunk: Buffer): void {
    if (this.state !== 'open') return this.onData(Buffer.from(chunk));
    this.layer.reader.push(chunk);
    this.pump();
    this.layer.reader.settle();
  }

  private onData(chunk: Buffer): void {
    this.layer.reader.push(chunk);
    if (this.state === 'open') return this.pump();
    if (this.layer.reader.buffered >= INPUT_HIGH_WATER) {
      this.inputPaused = true;
      this.transport.pause();
    }
    this.handshake.wakeUp();
  }

  private onHandshakeDone(info: TlsInfo, post: PostHandshake): void {
    if (this.state !== 'handshaking') return;
    clearTimeout(this.timer);
    this.state = 'open';
    this.info = info;
    this.post = post;
    this.emit('connect');
    this.emit('secureConnect');
    const pending = this.pendingWrite;
    this.pendingWrite = undefined;
    if (pending) this.writeApplicationData(pending.chunk, pending.cb);
    this.layer.flush(true); // the last flight, with any data written during the handshake
    if (this.pendingFinal) this._final(this.pendingFinal);
    this.pump();
    if (this.transportEnded) this.onEnd();
  }

  /** Decrypts buffered records into the readable side until it asks us to wait. */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      let record: TlsRecord | null;
      while (this.state === 'open' && !this.readBlocked && !this.peerClosed) {
        const run = this.post?.tls13 ? this.layer.nextRun(this.options.keyUpdateAfterRecords - this.layer.read.count) : undefined;
        if (run) this.onApplicationData(run);
        else if ((record = this.layer.nextRecord())) this.onRecord(record);
        else break;
      }
      this.pushReceived();
      if (this.sink) this.layer.releaseReceived(); // the sink has written every chunk of this pump
      if (this.readBlocked !== this.inputPaused && this.state === 'open') {
        this.inputPaused = this.readBlocked;
        if (this.readBlocked) this.transport.pause();
        else this.transport.resume();
      }
    } catch (e) {
      this.pushReceived(); // what was authentic before the failure, as if pushed record by record
      this.fail(e);
    } finally {
      this.pumping = false;
    }
  }

  private onRecord(record: TlsRecord): void {
    switch (record.type) {
      case ContentType.application_data:
        if (this.post?.tls13 && this.layer.read.count >= this.options.keyUpdateAfterRecords) this.post.requestPeerUpdate();
        if (record.data.length) this.onApplicationData(record.data);
        return;
      case ContentType.handshake: {
        this.layer.handshake.push(record.data);
        let msg: HandshakeMessage | null;
        while ((msg = this.layer.handshake.next())) this.post?.onMessage(msg);
        return;
      }
      case ContentType.alert:
        if (this.handshake.control.onAlert(record.data, 'after the handshake')) {
          this.peerClosed = true;
          this.closeNotify = true;
          this.pushReceived();
          this.push(null);
        }
        return;
      default:
        throw protocolError('The server sent ChangeCipherSpec after the handshake.', AlertDescription.unexpected_message);
    }
  }

  private onApplicationData(data: Buffer): void {
    this.dataReceived = true;
    this.layer.limits.onApplicationData();
    this.pushData(this.received.add(data));
  }

  private pushReceived(): void {
    this.pushData(this.received.take());
  }

  private pushData(chunk: Buffer | undefined): void {
    if (!chunk) return;
    if (this.sink) this.sink(chunk);
    else if (!this.push(chunk)) this.readBlocked = true;
  }

  private writeApplicationData(chunk: Buffer, cb: (e?: Error | null) => void): void {
    if (this.state !== 'open' || this.transport.destroyed) {
      return cb(new KeyportError('KEYPORT_TLS_CLOSED', 'Cannot write: the TLS connection is closed.'));
    }
    // Dropped, not failed: an error here would destroy this socket before the server's last words
    // are read. The connection fails (or ends, after a close_notify) once they are.
    if (this.writeRefused) return cb();
    this.written += chunk.length;
    let flushed = true;
    for (let off = 0; off < chunk.length; off += WRITE_SLICE) {
      if (this.post?.tls13 && this.layer.write.count >= this.options.keyUpdateAfterRecords) this.post.keyUpdate(false);
      flushed = this.layer.writeData(ContentType.application_data, chunk.subarray(off, off + WRITE_SLICE));
    }
    this.post?.onApplicationWrite();
    if (flushed) cb();
    else this.transport.once('drain', () => cb());
  }

  private output(records: Buffer[]): boolean {
    const t = this.transport;
    if (t.destroyed || !t.writable || this.writeRefused) return false;
    if (records.length === 1) return t.write(records[0]);
    t.cork();
    let ok = true;
    for (const r of records) ok = t.write(r);
    t.uncork();
    return ok;
  }

  private onEnd(): void {
    this.transportEnded = true;
    // Its end after refusing our write is a reset or a close in our face, never a clean end.
    if (this.writeRefused && this.state !== 'closed' && !this.peerClosed) return this.onTransportError(this.writeRefused);
    if (this.state === 'handshaking') return this.handshake.wakeUp();
    if (this.state !== 'open' || this.peerClosed) return;
    // A reset can read as a plain EOF when a write of ours took its error; that write's failure is
    // reported a loop turn later. Decide at 'close' (this runs again), once in-flight writes settled.
    if (this.transport.writableLength > 0 && !this.transport.destroyed) return;
    if (this.layer.reader.buffered > 0) {
      this.fail(new TlsError('KEYPORT_TLS_CLOSED', 'The server closed the connection in the middle of a record (truncated).'));
      return;
    }
    this.peerClosed = true;
    this.push(null);
  }

  private onTransportError(e: Error): void {
    const { connecting } = this.options;
    this.fail(transportError(e, this.where, { connecting, dataReceived: this.dataReceived, trace: this.recorder.events }));
  }

  /** host:port as messages write it ([::1]:443 for an IPv6 address). */
  private get where(): string {
    const { host, port } = this.cfg;
    return `${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  private onTimeout(): void {
    this.fail(handshakeTimeout(this.where, this.options.timeoutMs, this.handshake.step));
  }

  /** Ends the connection with `e`, telling the server why when we can. */
  private fail(e: unknown): void {
    if (this.state === 'closed' || this.destroyed) return;
    const err = toKeyportError(e, 'TLS connection failed');
    const alert = e instanceof TlsError ? e.alert : this.state === 'handshaking' ? AlertDescription.internal_error : undefined;
    if (alert !== undefined) {
      try {
        this.layer.writeAlert(AlertLevel.fatal, alert);
        this.layer.flush(true);
      } catch {
        // the transport is gone; nothing to tell
      }
    }
    this.state = 'closed';
    this.destroy(err);
  }
}
