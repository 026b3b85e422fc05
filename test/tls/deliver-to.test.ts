/**
 * KeyportTlsSocket.deliverTo() (what `keyport connect` writes stdout with): each chunk of
 * application data goes to a synchronous sink as it is decrypted, into memory written over once the
 * sink returns. Every stream must arrive intact and in order, also what arrived before deliverTo()
 * was called, the readable side must still end and close, and the memory must really be reused.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyportTlsSocket } from '../../src/core/tls';
import { gcmBackend } from '../../src/core/tls/native-gcm';
import { startPayloadServer, type PayloadServer } from './helpers/payload-server';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const PAYLOAD = randomBytes(6 * 1024 * 1024 + 4321);

/** Delivers `tls` to a hashing sink until it closes; the hash, the ArrayBuffers seen, and whether 'end' came. */
function deliver(tls: KeyportTlsSocket): Promise<{ hash: string; buffers: number; ended: boolean }> {
  const hash = createHash('sha256');
  const memory = new Set<ArrayBufferLike>();
  let ended = false;
  tls.once('end', () => (ended = true));
  tls.deliverTo((chunk) => {
    memory.add(chunk.buffer);
    hash.update(chunk);
  });
  return new Promise((resolve, reject) => {
    tls.once('error', reject);
    tls.once('close', () => resolve({ hash: hash.digest('hex'), buffers: memory.size, ended }));
  });
}

describe('deliverTo (a synchronous sink instead of the readable side)', () => {
  let server: PayloadServer;

  beforeAll(async () => {
    server = await startPayloadServer(PAYLOAD, 'deliver-client');
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('needs the AES-GCM addon, whose outputs are the ones written over', () => {
    expect(gcmBackend().kind, 'build it with npm run build:native (and do not set KEYPORT_AEAD=node)').toBe('openssl-addon');
  });

  it.each(['TLSv1.2', 'TLSv1.3'] as const)('%s: several streams at once arrive intact, and the readable side ends', async (version) => {
    const results = await Promise.all([0, 1, 2].map(async () => deliver(await server.open(version))));
    for (const r of results) {
      expect(r.hash).toBe(sha(PAYLOAD));
      expect(r.ended).toBe(true);
    }
  }, 60_000);

  it('what arrived before deliverTo() comes first, then the rest', async () => {
    const tls = await server.open('TLSv1.3');
    // Not reading fills the readable side up to its high-water mark; then the socket stops reading.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(tls.readableLength).toBeGreaterThan(0);
    expect((await deliver(tls)).hash).toBe(sha(PAYLOAD));
  }, 60_000);

  it('writes over the same memory: a 6 MB stream lives in a handful of slabs', async () => {
    const r = await deliver(await server.open('TLSv1.3'));
    expect(r.hash).toBe(sha(PAYLOAD));
    expect(r.buffers).toBeLessThan(5);
  }, 60_000);
});
