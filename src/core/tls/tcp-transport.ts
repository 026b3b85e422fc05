import { connect as netConnect, type Socket } from 'node:net';

/** Bytes per read: the kernel hands over at most this much at once (as net.Socket's default). */
const READ_BUFFER_BYTES = 64 * 1024;

/**
 * A TCP connection whose reads land in one buffer reused for every read, so a bulk download
 * allocates nothing per read. `onChunk` sees a view of that buffer and must consume or copy the
 * bytes before it returns. Nagle is off: handshake flights and small requests go out at once.
 */
export function openTcp(host: string, port: number, onChunk: (chunk: Buffer) => void): Socket {
  const buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  const socket = netConnect({
    host,
    port,
    onread: {
      buffer,
      callback: (bytes: number) => {
        onChunk(buffer.subarray(0, bytes));
        return true; // flow control is the TLS socket's: it pauses and resumes the transport
      },
    },
  });
  socket.setNoDelay(true);
  return socket;
}
