/**
 * coalescedPipe with `recycle` (the proxy's downstream, `keyport connect` to stdout) lets a TLS
 * socket decrypt into memory it writes over again once the destination has written everything it
 * was given (src/core/tls/output-slab.ts). Reusing it a moment too early would hand the client
 * bytes of a later record: with slow readers (writes left pending in Node), fast ones (writes done
 * at once, memory reused), and several connections sharing the pool at once, every stream must
 * arrive intact. A fast reader must also really get reused memory: few distinct ArrayBuffers.
 */
import { createHash, randomBytes } from 'node:crypto';
import { connect as netConnect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { coalescedPipe, type KeyportTlsSocket } from '../../src/core/tls';
import { gcmBackend } from '../../src/core/tls/native-gcm';
import { SLAB_BYTES } from '../../src/core/tls/output-slab';
import { startPayloadServer, type PayloadServer } from './helpers/payload-server';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const PAYLOAD = randomBytes(6 * 1024 * 1024 + 4321);

/** A TCP sink that hashes what it reads; `slow` pauses it every few chunks so the sender's writes back up. */
function startSink(slow: boolean): Promise<{ server: Server; port: number; received: Map<number, Promise<string>> }> {
  const received = new Map<number, Promise<string>>();
  const server = createServer((s: Socket) => {
    received.set(s.remotePort as number, new Promise((resolve) => {
      const hash = createHash('sha256');
      let chunks = 0;
      s.on('data', (d: Buffer) => {
        hash.update(d);
        if (slow && ++chunks % 5 === 0) {
          s.pause();
          setTimeout(() => s.resume(), 10);
        }
      });
      // Not reading at first fills the kernel's buffers, so the sender's writes stay pending in Node.
      if (slow) {
        s.pause();
        setTimeout(() => s.resume(), 300);
      }
      s.on('end', () => resolve(hash.digest('hex')));
    }));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port, received })));
}

describe('recycled reads (coalescedPipe with recycle)', () => {
  let server: PayloadServer;

  beforeAll(async () => {
    server = await startPayloadServer(PAYLOAD, 'recycle-client');
  });

  afterAll(async () => {
    await server?.stop();
  });

  /** Pipes one connection into the sink; resolves with the sink's hash and the ArrayBuffers the chunks lived in. */
  async function relay(version: 'TLSv1.2' | 'TLSv1.3', sinkPort: number, sink: Map<number, Promise<string>>, recycle: boolean) {
    const tls: KeyportTlsSocket = await server.open(version);
    const out = netConnect(sinkPort, '127.0.0.1');
    await new Promise((resolve) => out.once('connect', resolve));
    const localPort = out.localPort as number;
    const memory = new Set<ArrayBufferLike>();
    tls.on('data', (d: Buffer) => memory.add(d.buffer));
    coalescedPipe(tls, out, { end: true, recycle });
    await new Promise((resolve) => out.once('close', resolve));
    return { hash: await sink.get(localPort), buffers: memory.size };
  }

  it('needs the AES-GCM addon, whose outputs are the ones recycled', () => {
    expect(gcmBackend().kind, 'build it with npm run build:native (and do not set KEYPORT_AEAD=node)').toBe('openssl-addon');
  });

  it.each([
    ['TLSv1.2', false],
    ['TLSv1.3', false],
    ['TLSv1.3', true],
  ] as const)('%s, slow reader %s: several streams at once arrive intact', async (version, slow) => {
    const sink = await startSink(slow);
    try {
      const results = await Promise.all([0, 1, 2].map(() => relay(version, sink.port, sink.received, true)));
      for (const r of results) expect(r.hash).toBe(sha(PAYLOAD));
    } finally {
      sink.server.close();
    }
  }, 60_000);

  it('a fast reader gets the same memory again; without recycle every slab is new', async () => {
    const sink = await startSink(false);
    try {
      const recycled = await relay('TLSv1.3', sink.port, sink.received, true);
      const fresh = await relay('TLSv1.3', sink.port, sink.received, false);
      expect(recycled.hash).toBe(sha(PAYLOAD));
      expect(fresh.hash).toBe(sha(PAYLOAD));
      expect(fresh.buffers, JSON.stringify({ fresh: fresh.buffers, recycled: recycled.buffers })).toBeGreaterThan(15);
      expect(recycled.buffers, JSON.stringify({ fresh: fresh.buffers, recycled: recycled.buffers })).toBeLessThan(fresh.buffers / 2);
    } finally {
      sink.server.close();
    }
  }, 60_000);

  it('regression: every short connection left its slab to the garbage collector (the close_notify after its data took a fresh one, never given back); V8 ran a full collection every fifty connections through a route', async () => {
    const small = await startPayloadServer(Buffer.from('a short answer'), 'recycle-short', 5);
    const sink = await startSink(false);
    const slabs = vi.spyOn(Buffer, 'allocUnsafeSlow');
    try {
      const connect = async () => {
        const tls = await small.open('TLSv1.3');
        const out = netConnect(sink.port, '127.0.0.1');
        await new Promise((resolve) => out.once('connect', resolve));
        const localPort = out.localPort as number;
        coalescedPipe(tls, out, { end: true, recycle: true });
        await new Promise((resolve) => out.once('close', resolve));
        expect(await sink.received.get(localPort)).toBe(sha(Buffer.from('a short answer')));
      };
      await connect(); // the pool may start empty
      slabs.mockClear();
      for (let i = 0; i < 20; i++) await connect();
      expect(slabs.mock.calls.filter(([n]) => n === SLAB_BYTES).length).toBeLessThanOrEqual(1);
    } finally {
      slabs.mockRestore();
      sink.server.close();
      await small.stop();
    }
  }, 60_000);
});
