/**
 * connect() reads TCP into one buffer that every connection of the process reuses
 * (src/core/tls/tcp-transport.ts). Bytes of a record that straddles two reads, or records left
 * unread while the reader is paused, must be copied out before the next read overwrites them. A re-chunking proxy delivers the server's stream in
 * random pieces (1 byte to 70 KB, with pauses), the reader pauses now and then, and the data
 * must arrive intact: a missing copy shows up as a failed record MAC or corrupt data. Several
 * connections reading at once through the same buffer must not see each other's bytes (each has
 * its own keys, so a stray byte fails a record MAC).
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memorySigner } from '../../src/core/keystores/memory-signer';
import { connect } from '../../src/core/tls';
import { startLoopbackProxy, type LoopbackProxy } from './helpers/loopback-proxy';
import { createPki, type TestCert, type TestPki } from './helpers/pki';
import { startNodeTls, type NodeTlsServer } from './helpers/servers';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const PAYLOAD = randomBytes(6 * 1024 * 1024 + 12_345);

/** A loopback proxy that forwards the server's bytes in random-sized pieces with short gaps. */
function startRechunkingProxy(target: number): Promise<LoopbackProxy> {
  return startLoopbackProxy(target, (client, upstream) => {
    client.pipe(upstream);
    let forwarded = Promise.resolve();
    upstream.on('data', (chunk: Buffer) => {
      upstream.pause();
      forwarded = forwarded.then(() => forwardInPieces(chunk, client)).then(() => void upstream.resume());
    });
    // 'end' can come while the last chunk is still being forwarded.
    upstream.on('end', () => void forwarded.then(() => client.end()));
  });
}

async function forwardInPieces(chunk: Buffer, to: Socket): Promise<void> {
  for (let off = 0; off < chunk.length; ) {
    const n = Math.min(chunk.length - off, randomInt(1, 3) === 1 ? randomInt(1, 40) : randomInt(1, 70_000));
    to.write(chunk.subarray(off, off + n));
    off += n;
    if (randomInt(0, 4) === 0) await new Promise((r) => setTimeout(r, 1));
  }
}

/** Reads the whole stream, pausing the socket for a moment every few chunks. */
function readWithPauses(sock: TLSSocket | import('node:stream').Duplex): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    sock.on('data', (d: Buffer) => {
      chunks.push(d);
      if (chunks.length % 7 === 0) {
        sock.pause();
        setTimeout(() => sock.resume(), 2);
      }
    });
    sock.once('end', () => resolve(Buffer.concat(chunks)));
    sock.once('error', reject);
  });
}

describe('records read through a reused read buffer', () => {
  let pki: TestPki;
  let serverCert: TestCert;
  let client: TestCert;
  let server: NodeTlsServer;
  let proxy: LoopbackProxy;

  beforeAll(async () => {
    pki = createPki();
    serverCert = pki.issue({ name: 'localhost', kind: 'ec', usage: 'server' });
    client = pki.issue({ name: 'chunk-client', kind: 'ec', usage: 'client' });
    server = await startNodeTls(
      { cert: serverCert.certPem, key: serverCert.keyPem, ca: pki.ca.certPem, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' },
      (s) => s.end(PAYLOAD),
    );
    proxy = await startRechunkingProxy(server.port);
  });

  afterAll(async () => {
    await proxy?.stop();
    await server?.stop();
    pki?.cleanup();
  });

  /** A connection through the re-chunking proxy with exactly `version`. */
  const open = (version: 'TLSv1.2' | 'TLSv1.3') =>
    connect({
      host: '127.0.0.1',
      port: proxy.port,
      servername: 'localhost',
      ca: [pki.ca.certPem],
      signer: memorySigner(client.key),
      chain: [client.certDer],
      minVersion: version,
      maxVersion: version,
    });

  it.each(['TLSv1.2', 'TLSv1.3'] as const)('%s: arrive intact when records straddle reads and the reader pauses', async (version) => {
    const sock = await open(version);
    expect(sock.tlsInfo.version).toBe(version);
    const received = await readWithPauses(sock);
    expect(received.length).toBe(PAYLOAD.length);
    expect(sha(received)).toBe(sha(PAYLOAD));
  }, 60_000);

  it('several connections reading at once through the shared buffer each get their own stream intact', async () => {
    const sockets = await Promise.all((['TLSv1.3', 'TLSv1.2', 'TLSv1.3', 'TLSv1.2'] as const).map(open));
    const received = await Promise.all(sockets.map(readWithPauses));
    for (const r of received) expect(sha(r)).toBe(sha(PAYLOAD));
  }, 120_000);
});
