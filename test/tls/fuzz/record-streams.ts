import { ContentType } from '../../../src/core/tls/constants';
import type { CipherSuite } from '../../../src/core/tls/cipher-suites';
import { RecordLayer } from '../../../src/core/tls/record-layer';
import { Tls12Protection, Tls13Protection, type RecordProtection } from '../../../src/core/tls/record-protection';
import { Trace } from '../../../src/core/tls/trace';
import { parseRecords, type FlightRecord } from './flight';
import type { Prng } from './prng';

/** Read-side protection for `suite` (a fresh one per stream: sequence numbers start at 0). */
export function readProtection(suite: CipherSuite, key: Buffer, iv: Buffer): RecordProtection {
  return suite.version === 'TLSv1.3' ? new Tls13Protection(suite, key, iv) : new Tls12Protection(suite, key, iv);
}

/**
 * A stream of records sealed with `suite`: handshake data, alerts, application data, and
 * (TLS 1.3) padded and all-padding inner plaintexts.
 */
export function sealedRecords(rng: Prng, suite: CipherSuite, key: Buffer, iv: Buffer): FlightRecord[] {
  const write = readProtection(suite, key, iv);
  const out: Buffer[] = [];
  const count = 2 + rng.int(5);
  const seal = (type: number, data: Buffer): number => out.push(...write.seal(type, data));
  for (let i = 0; i < count; i++) {
    const kind = rng.int(5);
    if (kind === 0) seal(ContentType.handshake, Buffer.of(8, 0, 0, 2, 0, 0));
    else if (kind === 1) seal(ContentType.alert, Buffer.of(1, rng.pick([0, 90, 112])));
    else if (kind === 2) seal(ContentType.application_data, rng.bytes(rng.int(300)));
    else if (kind === 3 && suite.version === 'TLSv1.3') {
      // Inner plaintext with zero padding after the real content type (RFC 8446 §5.4).
      seal(0, Buffer.concat([rng.bytes(rng.int(40)), Buffer.of(ContentType.application_data), Buffer.alloc(rng.int(20))]));
    } else seal(ContentType.handshake, Buffer.of(24, 0, 0, 1, rng.int(3)));
  }
  return parseRecords(Buffer.concat(out)).records;
}

/**
 * Feeds `bytes` to a RecordLayer in random chunk sizes and reads every record and handshake
 * message out of it, as the socket does (half the streams trying a run of application data first,
 * opened many records to a call). Returns normally or throws what the layer threw.
 */
export function drainRecordLayer(rng: Prng, bytes: Buffer, read?: RecordProtection): void {
  const layer = new RecordLayer(() => true, new Trace());
  if (read) layer.read = read;
  const runs = rng.chance(0.5);
  for (let off = 0; off < bytes.length; ) {
    const size = 1 + rng.int(rng.chance(0.5) ? 8 : 4096);
    layer.reader.push(bytes.subarray(off, off + size));
    off += size;
    for (;;) {
      if (runs && layer.nextRun(1 + rng.int(4))) continue;
      const record = layer.nextRecord();
      if (!record) break;
      if (record.type !== ContentType.handshake) continue;
      layer.handshake.push(record.data);
      while (layer.handshake.next());
    }
  }
}
