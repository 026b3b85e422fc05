/**
 * The record reader over a transport that reuses its read buffer (src/core/tls/tcp-transport.ts):
 * records cut by a read's end are put together in one buffer per reader, written over for each
 * (a fresh 16 KB buffer per read was external memory that made V8 collect during bulk transfers).
 * Every record must still come out intact, also when the consumer stops taking records for a
 * while (backpressure) so that whole records stay held across reads.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RecordReader, type RawRecord } from '../../src/core/tls/record-reader';

/** application_data records of random lengths up to the TLS 1.2 ciphertext limit. */
function records(n: number): Buffer[] {
  return Array.from({ length: n }, () => {
    const body = randomBytes(randomInt(1, 18_432));
    const header = Buffer.of(23, 3, 3, body.length >> 8, body.length & 0xff);
    return Buffer.concat([header, body]);
  });
}

/**
 * Feeds `wire` through one read buffer that is written over for every read, as the transport
 * does; `takeWhile` says, per read, whether the consumer takes records (false: it is blocked).
 */
function readAll(wire: Buffer, takeWhile: (read: number) => boolean): { got: Buffer[]; cutRecordMemory: Set<ArrayBufferLike> } {
  const reader = new RecordReader();
  const readBuffer = Buffer.alloc(64 * 1024);
  const got: Buffer[] = [];
  const cutRecordMemory = new Set<ArrayBufferLike>();
  const take = (): void => {
    let r: RawRecord | null;
    while ((r = reader.next())) {
      if (r.body.buffer !== readBuffer.buffer) cutRecordMemory.add(r.body.buffer);
      got.push(Buffer.concat([r.header, r.body])); // what decryption does: the bytes go on into other memory
    }
  };
  let read = 0;
  for (let off = 0; off < wire.length; read++) {
    const n = Math.min(randomInt(1, readBuffer.length), wire.length - off);
    wire.copy(readBuffer, 0, off, off + n);
    off += n;
    readBuffer.fill(0xee, n); // what the read buffer held before is gone
    reader.push(readBuffer.subarray(0, n));
    if (takeWhile(read)) take();
    reader.settle();
  }
  take();
  return { got, cutRecordMemory };
}

describe('RecordReader over a reused read buffer', () => {
  const sent = records(400);
  const wire = Buffer.concat(sent);

  it('puts every record cut by a read together in the same memory, and each arrives intact', () => {
    const { got, cutRecordMemory } = readAll(wire, () => true);
    expect(got.length).toBe(sent.length);
    got.forEach((r, i) => expect(r.equals(sent[i] as Buffer), `record ${i}`).toBe(true));
    // Only the one assembly buffer (and Node's small pool, for a remainder under a header's length).
    expect(cutRecordMemory.size).toBeLessThanOrEqual(3);
  });

  it('keeps records intact when the consumer is blocked for some reads and whole records stay held', () => {
    const { got } = readAll(wire, (read) => read % 3 === 0);
    expect(got.length).toBe(sent.length);
    got.forEach((r, i) => expect(r.equals(sent[i] as Buffer), `record ${i}`).toBe(true));
  });
});
