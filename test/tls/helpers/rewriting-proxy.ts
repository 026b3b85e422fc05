import type { Socket } from 'node:net';
import { startLoopbackProxy, type LoopbackProxy } from './loopback-proxy';

/** Rewrites the first TLS record sent in one direction. */
type Rewrite = (record: Buffer) => Buffer;

/**
 * A loopback TCP proxy to 127.0.0.1:`target` that rewrites the first record of the client's
 * and/or the server's flight: how tests fake a server without some feature.
 */
export function startRewritingProxy(target: number, rw: { fromClient?: Rewrite; fromServer?: Rewrite }): Promise<LoopbackProxy> {
  return startLoopbackProxy(target, (client, upstream) => {
    pipeFirstRecord(client, upstream, rw.fromClient);
    pipeFirstRecord(upstream, client, rw.fromServer);
  });
}

function pipeFirstRecord(from: Socket, to: Socket, rewrite: Rewrite | undefined): void {
  let pending: Buffer | null = rewrite ? Buffer.alloc(0) : null;
  from.on('data', (chunk: Buffer) => {
    if (!pending || !rewrite) return void to.write(chunk);
    pending = Buffer.concat([pending, chunk]);
    if (pending.length < 5 || pending.length < 5 + pending.readUInt16BE(3)) return;
    const end = 5 + pending.readUInt16BE(3);
    to.write(Buffer.concat([rewrite(pending.subarray(0, end)), pending.subarray(end)]));
    pending = null;
  });
  from.on('end', () => to.end());
  from.on('close', () => to.destroy());
}

/**
 * Removes extension `type` from the hello at the start of a handshake record (ClientHello or
 * ServerHello), fixing the record, message and extensions lengths.
 */
export function withoutExtension(record: Buffer, type: number): Buffer {
  const msgLen = record.readUIntBE(6, 3);
  const msg = record.subarray(5, 9 + msgLen);
  const rest = record.subarray(9 + msgLen);
  let p = 4 + 2 + 32;
  p += 1 + (msg[p] as number); // session id
  if (msg[0] === 1) {
    p += 2 + msg.readUInt16BE(p); // cipher suites
    p += 1 + (msg[p] as number); // compression methods
  } else {
    p += 3; // cipher suite, compression
  }
  const extStart = p + 2;
  const kept: Buffer[] = [];
  for (let q = extStart; q < msg.length; ) {
    const len = msg.readUInt16BE(q + 2);
    if (msg.readUInt16BE(q) !== type) kept.push(msg.subarray(q, q + 4 + len));
    q += 4 + len;
  }
  const exts = Buffer.concat(kept);
  const body = Buffer.concat([msg.subarray(4, p), u16(exts.length), exts]);
  const header = Buffer.from([msg[0] as number, 0, 0, 0]);
  header.writeUIntBE(body.length, 1, 3);
  const payload = Buffer.concat([header, body, rest]);
  return Buffer.concat([record.subarray(0, 3), u16(payload.length), payload]);
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}
