import { encodeMessage, encodeRecords, fragment, HANDSHAKE, parseMessages, type FlightMessage, type FlightRecord } from './flight';
import { mutateHelloExtensions } from './hello-mutations';
import type { Prng } from './prng';

/** A mutated flight: its bytes and what was done to it, for the failure report. */
export interface Mutated {
  bytes: Buffer;
  ops: string[];
}

/** Byte values that often sit on parser edges. */
const INTERESTING = [0x00, 0x01, 0x02, 0x03, 0x04, 0x7f, 0x80, 0xfe, 0xff];
/** Handshake types a server might (wrongly) send. */
const MESSAGE_TYPES = [0, 1, 2, 4, 5, 8, 11, 12, 13, 14, 15, 16, 20, 24, 254];
const CONTENT_TYPES = [20, 21, 22, 23, 24, 0, 255];

/** Marks a message whose body already holds its (deliberately wrong) header. */
const RAW_MESSAGE = -1;

type RecordOp = (rng: Prng, records: FlightRecord[]) => string;
type MessageOp = (rng: Prng, messages: FlightMessage[]) => string;
type RawOp = (rng: Prng, bytes: Buffer) => { bytes: Buffer; op: string };

/** Applies one to three random mutations to a server flight. */
export function mutateFlight(rng: Prng, flight: readonly FlightRecord[]): Mutated {
  let records = flight.map((r) => ({ ...r }));
  const ops: string[] = [];
  const raw: RawOp[] = [];
  const count = 1 + rng.int(3);
  for (let i = 0; i < count; i++) {
    const kind = rng.int(10);
    if (kind < 5) {
      const run = handshakeRun(rng, records);
      if (!run) continue;
      const { messages, tail } = parseMessages(Buffer.concat(records.slice(run.start, run.end).map((r) => r.body)));
      if (messages.length === 0) continue;
      ops.push(rng.pick(MESSAGE_OPS)(rng, messages));
      const stream = Buffer.concat([...messages.map((m) => (m.type < 0 ? m.body : encodeMessage(m))), tail]);
      const version = (records[run.start] as FlightRecord).version;
      records = [...records.slice(0, run.start), ...fragment(stream, version), ...records.slice(run.end)];
    } else if (kind < 8) {
      if (records.length === 0) continue;
      ops.push(rng.pick(RECORD_OPS)(rng, records));
    } else {
      raw.push(rng.pick(RAW_OPS));
    }
  }
  let bytes = encodeRecords(records);
  for (const op of raw) {
    const r = op(rng, bytes);
    bytes = r.bytes;
    ops.push(r.op);
  }
  if (ops.length === 0) ops.push('none');
  return { bytes, ops };
}

/** A random maximal run of plaintext handshake records, as [start, end). */
function handshakeRun(rng: Prng, records: FlightRecord[]): { start: number; end: number } | undefined {
  const runs: { start: number; end: number }[] = [];
  for (let i = 0; i < records.length; ) {
    if (records[i]?.type !== HANDSHAKE) {
      i++;
      continue;
    }
    const start = i;
    while (records[i]?.type === HANDSHAKE) i++;
    runs.push({ start, end: i });
  }
  return runs.length ? rng.pick(runs) : undefined;
}

function interesting(rng: Prng): number {
  return rng.chance(0.7) ? rng.pick(INTERESTING) : rng.int(256);
}

/** A length near `n`, or an extreme one. */
function tweakLength(rng: Prng, n: number, max: number): number {
  const choice = rng.int(4);
  if (choice === 0) return 0;
  if (choice === 1) return max;
  if (choice === 2) return rng.int(max + 1);
  return Math.min(max, Math.max(0, n + rng.pick([-4, -3, -2, -1, 1, 2, 3, 4])));
}

const MESSAGE_OPS: MessageOp[] = [
  ...Array<MessageOp>(2).fill((rng, m) => {
    const i = m.findIndex((msg) => msg.type === 2);
    const hello = m[i];
    if (!hello) return 'no hello to edit';
    const { body, op } = mutateHelloExtensions(rng, hello.body);
    m[i] = { ...hello, body };
    return `message ${i}: ${op}`;
  }),
  (rng, m) => {
    const i = rng.int(m.length);
    m.splice(i, 0, { ...(m[i] as FlightMessage) });
    return `duplicate message ${i}`;
  },
  (rng, m) => {
    const i = rng.int(m.length);
    m.splice(i, 1);
    return `drop message ${i}`;
  },
  (rng, m) => {
    const i = rng.int(m.length);
    const j = rng.int(m.length);
    [m[i], m[j]] = [m[j] as FlightMessage, m[i] as FlightMessage];
    return `swap messages ${i} and ${j}`;
  },
  (rng, m) => {
    const i = rng.int(m.length);
    const type = rng.pick(MESSAGE_TYPES);
    m[i] = { ...(m[i] as FlightMessage), type };
    return `message ${i} type -> ${type}`;
  },
  ...Array<MessageOp>(3).fill((rng, m) => {
    const i = rng.int(m.length);
    const msg = m[i] as FlightMessage;
    if (!msg.body.length) return `message ${i} empty, no byte to set`;
    const body = Buffer.from(msg.body);
    const at = rng.int(body.length);
    const value = rng.chance(0.5) ? interesting(rng) : (body[at] as number) + rng.pick([-1, 1]);
    body[at] = value & 0xff;
    m[i] = { ...msg, body };
    return `message ${i} byte ${at} -> ${value & 0xff}`;
  }),
  (rng, m) => {
    const i = rng.int(m.length);
    const msg = m[i] as FlightMessage;
    const len = rng.int(msg.body.length);
    m[i] = { ...msg, body: msg.body.subarray(0, len) };
    return `message ${i} body truncated to ${len}`;
  },
  (rng, m) => {
    const i = rng.int(m.length);
    const msg = m[i] as FlightMessage;
    const extra = rng.bytes(1 + rng.int(8));
    m[i] = { ...msg, body: Buffer.concat([msg.body, extra]) };
    return `message ${i} body extended by ${extra.toString('hex')}`;
  },
  (rng, m) => {
    // A wrong 24-bit length: the header is rebuilt from the body, so splice a fake header in.
    const i = rng.int(m.length);
    const msg = m[i] as FlightMessage;
    const len = tweakLength(rng, msg.body.length, 0xffffff);
    const header = Buffer.alloc(4);
    header[0] = msg.type;
    header.writeUIntBE(len, 1, 3);
    m.splice(i, 1, { type: RAW_MESSAGE, body: Buffer.concat([header, msg.body]) });
    return `message ${i} length -> ${len}`;
  },
];

const RECORD_OPS: RecordOp[] = [
  (rng, r) => {
    const i = rng.int(r.length);
    const rec = r[i] as FlightRecord;
    const at = rng.int(rec.body.length + 1);
    r.splice(i, 1, { ...rec, body: rec.body.subarray(0, at) }, { ...rec, body: rec.body.subarray(at) });
    return `split record ${i} at ${at}`;
  },
  (rng, r) => {
    const i = rng.int(r.length - 1);
    const a = r[i] as FlightRecord;
    const b = r[i + 1];
    if (!b) return 'merge: single record';
    r.splice(i, 2, { ...a, body: Buffer.concat([a.body, b.body]) });
    return `merge records ${i} and ${i + 1}`;
  },
  (rng, r) => {
    const i = rng.int(r.length);
    r.splice(i, 0, { ...(r[i] as FlightRecord) });
    return `duplicate record ${i}`;
  },
  (rng, r) => {
    const i = rng.int(r.length);
    r.splice(i, 1);
    return `drop record ${i}`;
  },
  (rng, r) => {
    const i = rng.int(r.length);
    const j = rng.int(r.length);
    [r[i], r[j]] = [r[j] as FlightRecord, r[i] as FlightRecord];
    return `swap records ${i} and ${j}`;
  },
  (rng, r) => {
    const i = rng.int(r.length);
    const type = rng.pick(CONTENT_TYPES);
    r[i] = { ...(r[i] as FlightRecord), type };
    return `record ${i} type -> ${type}`;
  },
  (rng, r) => {
    const i = rng.int(r.length);
    const version = rng.pick([0x0300, 0x0301, 0x0302, 0x0304, 0x0403, 0xffff]);
    r[i] = { ...(r[i] as FlightRecord), version };
    return `record ${i} version -> ${version.toString(16)}`;
  },
  (rng, r) => {
    const i = rng.int(r.length + 1);
    const kind = rng.int(5);
    const injected: FlightRecord[] = [
      { type: rng.pick(CONTENT_TYPES), version: 0x0303, body: Buffer.alloc(0) },
      { type: 20, version: 0x0303, body: Buffer.of(1) },
      { type: 21, version: 0x0303, body: Buffer.of(1 + rng.int(2), rng.pick([0, 10, 40, 90, 100, 112, 255])) },
      { type: 23, version: 0x0303, body: rng.bytes(rng.int(64)) },
      { type: 22, version: 0x0303, body: rng.bytes(rng.int(8)) },
    ];
    r.splice(i, 0, injected[kind] as FlightRecord);
    return `inject record kind ${kind} at ${i}`;
  },
  (rng, r) => {
    // Oversized record bodies, at and beyond the limits.
    const i = rng.int(r.length);
    const size = rng.pick([16384, 16385, 16384 + 256, 16384 + 257, 16384 + 2048, 16384 + 2049]);
    r[i] = { ...(r[i] as FlightRecord), body: Buffer.concat([(r[i] as FlightRecord).body, Buffer.alloc(size)]).subarray(0, size) };
    return `record ${i} body -> ${size} bytes`;
  },
];

const RAW_OPS: RawOp[] = [
  (rng, b) => {
    const out = Buffer.from(b);
    const flips = 1 + rng.int(4);
    const at: number[] = [];
    for (let k = 0; k < flips && out.length; k++) {
      const i = rng.int(out.length);
      out[i] = (out[i] as number) ^ (1 << rng.int(8));
      at.push(i);
    }
    return { bytes: out, op: `bit flips at ${at.join(',')}` };
  },
  (rng, b) => {
    const at = rng.int(b.length + 1);
    const ins = rng.bytes(1 + rng.int(4));
    return { bytes: Buffer.concat([b.subarray(0, at), ins, b.subarray(at)]), op: `insert ${ins.toString('hex')} at ${at}` };
  },
  (rng, b) => {
    const at = rng.int(b.length);
    const n = 1 + rng.int(4);
    return { bytes: Buffer.concat([b.subarray(0, at), b.subarray(at + n)]), op: `delete ${n} at ${at}` };
  },
  (rng, b) => {
    const at = rng.int(b.length);
    return { bytes: b.subarray(0, at), op: `truncate at ${at}` };
  },
  (rng, b) => {
    // A record header's length field, found by walking the headers as sent.
    const headers: number[] = [];
    for (let p = 0; p + 5 <= b.length; p += 5 + b.readUInt16BE(p + 3)) headers.push(p);
    if (!headers.length) return { bytes: b, op: 'record length: no header' };
    const p = rng.pick(headers);
    const out = Buffer.from(b);
    const len = tweakLength(rng, out.readUInt16BE(p + 3), 0xffff);
    out.writeUInt16BE(len, p + 3);
    return { bytes: out, op: `record at ${p} length -> ${len}` };
  },
];
