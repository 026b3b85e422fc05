import { connect as netConnect, type Socket } from 'node:net';

/**
 * Bytes per read. Bigger than net.Socket's 64 KB: a bulk read then holds sixteen 16 KB records,
 * not four, so there are a quarter of the reads and callbacks, a quarter of the records cut by a
 * read's end (each is copied whole), and the records of one read leave to the consumer in one
 * writev. Measured through the proxy: about 40% less CPU per MB (bench/proxy.ts).
 */
const READ_BUFFER_BYTES = 256 * 1024;

/**
 * One read buffer for every connection of the process: a read's bytes are consumed or copied
 * before its callback returns (see onChunk), and callbacks never overlap, so sharing is safe and
 * the buffer stays warm in the CPU cache however many connections are open.
 */
const sharedReadBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);

/**
 * A TCP connection whose reads land in the shared buffer, so a bulk download allocates nothing per
 * read. `onChunk` sees a view of that buffer and must consume or copy the bytes before it returns.
 * Nagle is off: handshake flights and small requests go out at once.
 */
export function openTcp(host: string, port: number, onChunk: (chunk: Buffer) => void): Socket {
  const socket = netConnect({
    host,
    port,
    onread: {
      buffer: sharedReadBuffer,
      callback: (bytes: number) => {
        onChunk(sharedReadBuffer.subarray(0, bytes));
        return true; // flow control is the TLS socket's: it pauses and resumes the transport
      },
    },
  });
  socket.setNoDelay(true);
  reportRefusedWrites(socket);
  return socket;
}

/** Emitted by openTcp's socket, with the error, instead of failing on a write the peer refused. */
export const WRITE_REFUSED = 'writeRefused';
/** A peer that closed (its FIN, then our write, or a reset) makes a write fail with one of these. */
const REFUSED_CODES = new Set(['EPIPE', 'ECONNRESET']);

type WriteCallback = (e?: Error | null) => void;
interface StreamWrites {
  _write(chunk: unknown, encoding: BufferEncoding, cb: WriteCallback): void;
  _writev(chunks: unknown[], cb: WriteCallback): void;
}

/**
 * net.Socket closes itself on a failed write, and what the peer sent before it closed is then lost
 * unread: an early answer to an upload (413, 401 while the body still flows), a TLS alert. Such a
 * failure is emitted as WRITE_REFUSED instead, and the socket reads on until the peer's end: the
 * TLS socket stops writing and decides there (tests: test/tls/early-answer.test.ts).
 */
function reportRefusedWrites(socket: Socket): void {
  const s = socket as unknown as StreamWrites;
  const refused =
    (cb: WriteCallback): WriteCallback =>
    (e) => {
      if (!e || !REFUSED_CODES.has((e as NodeJS.ErrnoException).code ?? '')) return cb(e);
      socket.emit(WRITE_REFUSED, e);
      cb();
    };
  const write = s._write;
  const writev = s._writev;
  s._write = (chunk, encoding, cb) => write.call(socket, chunk, encoding, refused(cb));
  s._writev = (chunks, cb) => writev.call(socket, chunks, refused(cb));
}
