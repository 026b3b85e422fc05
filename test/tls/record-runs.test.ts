/**
 * The run path: RecordLayer.nextRun opens the whole TLS 1.3 application-data records at the head
 * of the input many to a native call (openRun in native/aead/aead.c), and the socket tries it before
 * the record-by-record path. It must deliver exactly what that path delivers, byte for byte and
 * error for error, because it stops before every record it does not handle (other content types,
 * empty and padding-only records, records over TLS's limit, forged, cut or wrongly framed ones) and
 * leaves it to that path; honour its record limit (KeyUpdate is asked for at a record count); and
 * really open a read's records in one call. Its argument checks throw instead of touching memory.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { suiteById, type CipherSuite } from '../../src/core/tls/cipher-suites';
import { ContentType } from '../../src/core/tls/constants';
import type { GcmAddon } from '../../src/core/tls/native-gcm';
import { RecordLayer } from '../../src/core/tls/record-layer';
import { Tls13Protection } from '../../src/core/tls/record-protection';
import { Trace } from '../../src/core/tls/trace';
import { requireAeadAddon } from './helpers/aead-addon';
import { caseSeed, Prng } from './fuzz/prng';

const { backend, missing } = requireAeadAddon();

type Event = { type: number; data: string } | { error: string };
/** Records opened by nextRun so far: the comparison is only worth something if it ran. */
let openedByRuns = 0;

/** One TLS 1.3 key's records as a server would send them, with the odd hostile or broken one. */
function recordStream(rng: Prng, suite: CipherSuite, key: Buffer, iv: Buffer): Buffer {
  const write = new Tls13Protection(suite, key, iv);
  const out: Buffer[] = [];
  const seal = (type: number, data: Buffer): number => out.push(Buffer.concat(write.seal(type, data)));
  const big = (): number => (rng.chance(0.5) ? 16_384 : 1 + rng.int(16_384));
  const count = 1 + rng.int(40);
  for (let i = 0; i < count; i++) {
    const kind = rng.int(100);
    if (kind < 60) seal(ContentType.application_data, rng.bytes(big()));
    // Inner plaintext with zero padding after its content type (sealed with type 0: one more zero).
    else if (kind < 70) seal(0, Buffer.concat([rng.bytes(rng.int(2000)), Buffer.of(ContentType.application_data), Buffer.alloc(rng.int(300))]));
    else if (kind < 73) seal(ContentType.application_data, Buffer.alloc(0));
    else if (kind < 74) for (let e = 0; e < 33; e++) seal(ContentType.application_data, Buffer.alloc(0)); // a flood
    else if (kind < 78) seal(ContentType.handshake, Buffer.of(4, 0, 0, 5, 0, 0, 0, 1, 0));
    else if (kind < 81) seal(ContentType.alert, Buffer.of(1, rng.pick([0, 90])));
    else if (kind < 83) seal(0, Buffer.alloc(1 + rng.int(50))); // padding only: no content type
    else if (kind < 85) seal(0, Buffer.concat([Buffer.alloc(16_384, 1), Buffer.of(23), Buffer.alloc(1 + rng.int(400))])); // over 2^14 + 1
    else if (kind < 87) out.push(Buffer.of(ContentType.change_cipher_spec, 3, 3, 0, 1, 1));
    else if (kind < 89) out.push(Buffer.of(ContentType.handshake, 3, 3, 0, 2, 1, 2)); // unencrypted after the keys
    else if (kind < 91) {
      seal(ContentType.application_data, rng.bytes(big()));
      const last = out.at(-1) as Buffer;
      const at = 5 + rng.int(last.length - 5);
      last[at] = (last[at] as number) ^ (1 << rng.int(8)); // forged
    } else if (kind < 93) {
      seal(ContentType.application_data, rng.bytes(100));
      const last = out.at(-1) as Buffer;
      const at = rng.int(3);
      last[at] = (last[at] as number) ^ 0x40; // wrongly framed header
    } else seal(ContentType.application_data, rng.bytes(1 + rng.int(64)));
  }
  const stream = Buffer.concat(out);
  return rng.chance(0.2) ? stream.subarray(0, rng.int(stream.length)) : stream; // cut mid-record
}

/**
 * What the socket would see of `stream` fed in random chunks: application data (joined where it
 * follows on), other records, and the error that ends it. With `runs`, nextRun is tried first.
 */
function deliver(stream: Buffer, suite: CipherSuite, key: Buffer, iv: Buffer, chunkSeed: number, runs: boolean): Event[] {
  const rng = new Prng(chunkSeed);
  const layer = new RecordLayer(() => true, new Trace());
  layer.read = new Tls13Protection(suite, key, iv);
  if (rng.chance(0.5)) layer.recycleReceived();
  const events: Event[] = [];
  const data = (d: Buffer): void => {
    const last = events.at(-1);
    if (last && 'type' in last && last.type === ContentType.application_data) last.data += d.toString('hex');
    else events.push({ type: ContentType.application_data, data: d.toString('hex') });
  };
  try {
    for (let off = 0; off < stream.length; ) {
      const size = 1 + rng.int(rng.chance(0.3) ? 200 : 300_000);
      layer.reader.push(stream.subarray(off, off + size));
      off += size;
      for (;;) {
        const before = layer.read.count;
        const run = runs ? layer.nextRun(1 + rng.int(20)) : undefined;
        openedByRuns += layer.read.count - before;
        if (run) {
          data(run);
          continue;
        }
        const record = layer.nextRecord();
        if (!record) break;
        if (record.type !== ContentType.application_data) events.push({ type: record.type, data: record.data.toString('hex') });
        else if (record.data.length) data(record.data);
      }
      layer.reader.settle();
    }
  } catch (e) {
    events.push({ error: (e as Error).message });
  }
  return events;
}

describe.skipIf(missing)('TLS 1.3 records opened many to a call (RecordLayer.nextRun)', () => {
  const suites = [0x1301, 0x1302].map((id) => suiteById(id) as CipherSuite);

  it('delivers what the record-by-record path delivers, and the same error, over 400 random streams', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 400; i++) {
      const seed = caseSeed(0x5eed_0a11, i);
      const rng = new Prng(seed);
      const suite = suites[i % 2] as CipherSuite;
      const key = rng.bytes(suite.aead === 'aes-128-gcm' ? 16 : 32);
      const iv = rng.bytes(12);
      const stream = recordStream(rng, suite, key, iv);
      const expected = deliver(stream, suite, key, iv, seed, false);
      expect(deliver(stream, suite, key, iv, seed, true), `case seed ${seed}`).toEqual(expected);
      for (const e of expected) seen.add('error' in e ? e.error.replace(/[;(].*/, '').trim() : `type ${e.type}`);
    }
    expect(openedByRuns).toBeGreaterThan(1500);
    // Every kind of record the run path must stop before was there to compare.
    expect([...seen].sort()).toEqual([
      'A record from the server failed authentication',
      'The server did not answer with TLS',
      'The server sent a record longer than TLS allows.',
      'The server sent a record without a content type.',
      'The server sent an unencrypted record after encryption started.',
      'The server sent more than 32 empty records in a row without data',
      'type 20',
      'type 21',
      'type 22',
      'type 23',
    ]);
  });

  const suite = suites[0] as CipherSuite;
  const key = randomBytes(16);
  const iv = randomBytes(12);
  const records = (n: number, size = 16_384): { stream: Buffer; plain: Buffer } => {
    const write = new Tls13Protection(suite, key, iv);
    const plains = Array.from({ length: n }, () => randomBytes(size));
    return { stream: Buffer.concat(plains.flatMap((p) => write.seal(ContentType.application_data, p))), plain: Buffer.concat(plains) };
  };
  const layerWith = (stream: Buffer): RecordLayer => {
    const layer = new RecordLayer(() => true, new Trace());
    layer.read = new Tls13Protection(suite, key, iv);
    layer.recycleReceived();
    layer.reader.push(stream);
    return layer;
  };

  it("opens a 256 KB read's sixteen records in one call, into one chunk", () => {
    const { stream, plain } = records(16);
    const layer = layerWith(stream);
    expect(layer.nextRun(1000)?.equals(plain)).toBe(true);
    expect(layer.read.count).toBe(16);
    expect(layer.reader.buffered).toBe(0);
  });

  it('opens no more records than it is allowed (the socket asks for a KeyUpdate at a count)', () => {
    const { stream, plain } = records(7, 1000);
    const layer = layerWith(stream);
    expect(layer.nextRun(3)?.equals(plain.subarray(0, 3000))).toBe(true);
    expect(layer.nextRun(0)).toBeUndefined();
    expect(layer.nextRecord()?.data.equals(plain.subarray(3000, 4000))).toBe(true);
    expect(layer.nextRun(10)?.equals(plain.subarray(4000))).toBe(true);
    expect(layer.read.count).toBe(7);
  });

  it('leaves a record cut by the end of a read for later, and opens it once the next read completes it', () => {
    const { stream, plain } = records(3, 5000);
    const layer = layerWith(stream.subarray(0, stream.length - 10));
    expect(layer.nextRun(10)?.equals(plain.subarray(0, 10_000))).toBe(true);
    expect(layer.nextRun(10)).toBeUndefined();
    layer.reader.settle(); // as the socket does with a read buffer the transport reuses
    layer.reader.push(stream.subarray(stream.length - 10));
    expect(layer.nextRun(10)?.equals(plain.subarray(10_000))).toBe(true);
  });

  it('leaves a record that lies across two buffers to the record-by-record path', () => {
    const { stream, plain } = records(2, 5000);
    const layer = layerWith(stream.subarray(0, 6000));
    layer.reader.push(stream.subarray(6000));
    expect(layer.nextRun(10)?.equals(plain.subarray(0, 5000))).toBe(true);
    expect(layer.nextRun(10)).toBeUndefined();
    expect(layer.nextRecord()?.data.equals(plain.subarray(5000))).toBe(true);
  });

  describe('openRun throws on a wrong call instead of touching memory', () => {
    const addon = () => (backend as { addon: GcmAddon }).addon;
    const opener = () => addon().create(key, false);
    const input = () => records(2, 100).stream;
    const result = () => new Uint32Array(3);
    it.each([
      ['a sealing context', () => addon().openRun(addon().create(key, true), iv, 0, input(), Buffer.alloc(500), 5, result()), TypeError],
      ['an iv of 11 bytes', () => addon().openRun(opener(), iv.subarray(1), 0, input(), Buffer.alloc(500), 5, result()), RangeError],
      ['a negative sequence number', () => addon().openRun(opener(), iv, -1, input(), Buffer.alloc(500), 5, result()), RangeError],
      ['a sequence number that is not an integer', () => addon().openRun(opener(), iv, 1.5, input(), Buffer.alloc(500), 5, result()), RangeError],
      ['a sequence number past 2^53', () => addon().openRun(opener(), iv, 2 ** 53, input(), Buffer.alloc(500), 5, result()), RangeError],
      ['a result of 2 numbers', () => addon().openRun(opener(), iv, 0, input(), Buffer.alloc(500), 5, new Uint32Array(2)), TypeError],
      ['a result that is not a Uint32Array', () => addon().openRun(opener(), iv, 0, input(), Buffer.alloc(500), 5, new Int32Array(3) as never), TypeError],
      ['an output that overlaps the input', () => {
        const both = Buffer.concat([input(), Buffer.alloc(500)]);
        addon().openRun(opener(), iv, 0, both.subarray(0, 300), both.subarray(200), 5, result());
      }, RangeError],
    ])('%s', (_name, call, type) => {
      expect(call).toThrow(type);
    });

    it('opens nothing into an output too small for the first record, and says so', () => {
      const r = result();
      addon().openRun(opener(), iv, 0, input(), Buffer.alloc(100), 5, r);
      expect([...r]).toEqual([0, 0, 0]);
    });
  });

  it('agrees with a record sealed by node:crypto (the nonce is the IV XOR the sequence number)', () => {
    const seq = 0x1_0000_0203; // past 32 bits: the high word of the nonce counts too
    const nonce = Buffer.from(iv);
    for (let i = 0; i < 8; i++) nonce[11 - i] = (nonce[11 - i] as number) ^ Number((BigInt(seq) >> BigInt(8 * i)) & 0xffn);
    const inner = Buffer.concat([Buffer.from('hello'), Buffer.of(ContentType.application_data), Buffer.alloc(3)]);
    const header = Buffer.of(23, 3, 3, 0, inner.length + 16);
    const c = createCipheriv('aes-128-gcm', key, nonce).setAAD(header);
    const record = Buffer.concat([header, c.update(inner), c.final(), c.getAuthTag()]);
    const out = Buffer.alloc(100);
    const r = new Uint32Array(3);
    const addon = (backend as { addon: GcmAddon }).addon;
    addon.openRun(addon.create(key, false), iv, seq, record, out, 5, r);
    expect([...r]).toEqual([1, record.length, 5]);
    expect(out.subarray(0, 5).toString()).toBe('hello');
  });
});
