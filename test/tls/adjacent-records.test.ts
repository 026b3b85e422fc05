/**
 * Records opened one after another into one slab lie back to back (TLS 1.3's content type and
 * padding are given back to the slab), and the socket pushes what lies back to back as one chunk.
 * Joining the wrong bytes would corrupt a stream without any error, so: padded records sealed by
 * hand, the joining rule on its own, and whole streams over a socket on both versions.
 */
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdjacentChunks } from '../../src/core/tls/adjacent-chunks';
import { suiteById } from '../../src/core/tls/cipher-suites';
import { gcmBackend } from '../../src/core/tls/native-gcm';
import { OutputSlab } from '../../src/core/tls/output-slab';
import { Tls13Protection } from '../../src/core/tls/record-protection';
import { startPayloadServer, type PayloadServer } from './helpers/payload-server';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** A TLS 1.3 record sealed by hand (AES-128-GCM) around data, content type and `padding` zeros. */
function sealed(key: Buffer, iv: Buffer, seq: number, type: number, data: Buffer, padding: number): { header: Buffer; body: Buffer } {
  const inner = Buffer.concat([data, Buffer.of(type), Buffer.alloc(padding)]);
  const header = Buffer.of(23, 3, 3, 0, 0);
  header.writeUInt16BE(inner.length + 16, 3);
  const nonce = Buffer.from(iv);
  nonce.writeUInt32BE((nonce.readUInt32BE(8) ^ seq) >>> 0, 8);
  const c = createCipheriv('aes-128-gcm', key, nonce).setAAD(header);
  return { header, body: Buffer.concat([c.update(inner), c.final(), c.getAuthTag()]) };
}

/** A TLS 1.3 AES-128-GCM reader with a random key, and an empty slab to open into. */
function freshReader() {
  const key = randomBytes(16);
  const iv = randomBytes(12);
  return { key, iv, reader: new Tls13Protection(suiteById(0x1301)!, key, iv), slab: new OutputSlab() };
}

/** Every chunk `add` and `take` give, in order. */
function join(parts: Buffer[]): Buffer[] {
  const chunks = new AdjacentChunks();
  const out: Buffer[] = [];
  for (const p of parts) {
    const held = chunks.add(p);
    if (held) out.push(held);
  }
  const last = chunks.take();
  if (last) out.push(last);
  return out;
}

describe('adjacent records', () => {
  it('needs the AES-GCM addon, whose outputs go into slabs', () => {
    expect(gcmBackend().kind, 'build it with npm run build:native (and do not set KEYPORT_AEAD=node)').toBe('openssl-addon');
  });

  it('padded TLS 1.3 records open back to back into a slab and join to exactly their data', () => {
    const { key, iv, reader, slab } = freshReader();
    const datas = [randomBytes(1000), randomBytes(16384 - 300), Buffer.alloc(0), randomBytes(5), randomBytes(16384)];
    const paddings = [0, 299, 7, 200, 0];
    const opened = datas.map((d, seq) => {
      const { header, body } = sealed(key, iv, seq, 23, d, paddings[seq] as number);
      const record = reader.open(header, body, slab);
      expect(record.type).toBe(23);
      return record.data;
    });
    const chunks = join(opened.filter((d) => d.length > 0));
    expect(chunks).toHaveLength(1);
    expect(sha(chunks[0] as Buffer)).toBe(sha(Buffer.concat(datas)));
  });

  it('a handshake record between two data records keeps its bytes, and the data either side stays apart', () => {
    const { key, iv, reader, slab } = freshReader();
    const ticket = randomBytes(64);
    const [a, b] = [randomBytes(3000), randomBytes(4000)];
    const first = reader.open(...open3(sealed(key, iv, 0, 23, a, 5)), slab).data;
    const hs = reader.open(...open3(sealed(key, iv, 1, 22, ticket, 0)), slab).data;
    const second = reader.open(...open3(sealed(key, iv, 2, 23, b, 0)), slab).data;
    expect(hs.equals(ticket)).toBe(true);
    const chunks = join([first, second]);
    expect(chunks.map((c) => sha(c))).toEqual([sha(a), sha(b)]);
  });

  it('trims only the slice taken last', () => {
    const slab = new OutputSlab();
    const first = slab.take(100);
    const second = slab.take(100);
    slab.trim(first, 10); // not the last one: nothing given back
    expect(slab.take(1).byteOffset).toBe(second.byteOffset + 100);
    const last = slab.take(50);
    slab.trim(last, 20);
    expect(slab.take(1).byteOffset).toBe(last.byteOffset + 20);
  });

  it('joins only views that continue one another in the same memory', () => {
    const mem = randomBytes(300);
    const other = Buffer.from(mem.subarray(100, 200));
    expect(join([mem.subarray(0, 100), mem.subarray(100, 200), mem.subarray(200, 300)]).map((c) => c.length)).toEqual([300]);
    expect(join([mem.subarray(0, 100), mem.subarray(150, 200)]).map((c) => c.length)).toEqual([100, 50]);
    expect(join([mem.subarray(0, 100), other]).map((c) => c.length)).toEqual([100, 100]);
    expect(join([mem.subarray(100, 200), mem.subarray(0, 100)]).map((c) => c.byteOffset)).toEqual([mem.byteOffset + 100, mem.byteOffset]);
  });
});

function open3(r: { header: Buffer; body: Buffer }): [Buffer, Buffer] {
  return [r.header, r.body];
}

describe('a socket pushes the records of one read as one chunk', () => {
  const PAYLOAD = randomBytes(6 * 1024 * 1024 + 777);
  const RECORDS = Math.ceil(PAYLOAD.length / 16384);
  let server: PayloadServer;

  beforeAll(async () => {
    server = await startPayloadServer(PAYLOAD, 'adjacent-client');
  });

  afterAll(async () => {
    await server?.stop();
  });

  it.each(['TLSv1.2', 'TLSv1.3'] as const)('%s: the stream arrives intact in far fewer chunks than records', async (version) => {
    const tls = await server.open(version);
    const chunks: Buffer[] = [];
    tls.on('data', (d: Buffer) => chunks.push(d));
    await new Promise((resolve) => tls.once('end', resolve));
    expect(sha(Buffer.concat(chunks))).toBe(sha(PAYLOAD));
    expect(chunks.length, `${chunks.length} chunks for ${RECORDS} records`).toBeLessThan(RECORDS / 2);
  }, 60_000);
});
