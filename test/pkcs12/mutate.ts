/**
 * Deterministic, seeded mutations of DER files for fuzzing: bit flips, byte inserts and deletes,
 * truncation, length-field tweaks, INTEGER rewrites, and subtree swaps and duplications found by
 * walking the DER (including DER nested in OCTET STRINGs, as PKCS#12 nests it).
 */

/** A small, fast, seedable PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One TLV found in a DER buffer. */
interface Node {
  start: number;
  /** Offset of the first length byte. */
  lengthAt: number;
  contentAt: number;
  end: number;
  tag: number;
}

/** Every TLV reachable from offset 0 (best effort: walking stops where the bytes stop making sense). */
export function derNodes(data: Buffer): Node[] {
  const out: Node[] = [];
  walk(data, 0, data.length, out, 0);
  return out;
}

function walk(data: Buffer, from: number, to: number, out: Node[], depth: number): void {
  let at = from;
  while (at < to && depth < 24 && out.length < 4096) {
    const node = readNode(data, at, to);
    if (!node) return;
    out.push(node);
    const constructed = (node.tag & 0x20) !== 0;
    const nestedDer = node.tag === 0x04 && data[node.contentAt] === 0x30;
    if (constructed || nestedDer) walk(data, node.contentAt, node.end, out, depth + 1);
    at = node.end;
  }
}

function readNode(data: Buffer, start: number, limit: number): Node | undefined {
  const tag = data[start];
  if (tag === undefined || (tag & 0x1f) === 0x1f) return undefined;
  const lengthAt = start + 1;
  const first = data[lengthAt];
  if (first === undefined || first === 0x80) return undefined;
  let length = first;
  let contentAt = lengthAt + 1;
  if (first > 0x80) {
    const n = first & 0x7f;
    if (n > 4) return undefined;
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + (data[lengthAt + 1 + i] ?? 0);
    contentAt = lengthAt + 1 + n;
  }
  const end = contentAt + length;
  return end <= limit ? { start, lengthAt, contentAt, end, tag } : undefined;
}

type Rng = () => number;
const int = (rng: Rng, n: number): number => Math.floor(rng() * n);

/** The mutators, each returning a new buffer. */
const MUTATORS: Array<(d: Buffer, rng: Rng) => Buffer> = [
  function flipBits(d, rng) {
    const out = Buffer.from(d);
    for (let i = 0, n = 1 + int(rng, 3); i < n; i++) out[int(rng, out.length)]! ^= 1 << int(rng, 8);
    return out;
  },
  function setByte(d, rng) {
    const out = Buffer.from(d);
    out[int(rng, out.length)] = [0x00, 0xff, 0x7f, 0x80, 0x30, int(rng, 256)][int(rng, 6)]!;
    return out;
  },
  function insertBytes(d, rng) {
    const at = int(rng, d.length + 1);
    const extra = Buffer.from(Array.from({ length: 1 + int(rng, 4) }, () => int(rng, 256)));
    return Buffer.concat([d.subarray(0, at), extra, d.subarray(at)]);
  },
  function deleteBytes(d, rng) {
    const at = int(rng, d.length);
    return Buffer.concat([d.subarray(0, at), d.subarray(Math.min(d.length, at + 1 + int(rng, 16)))]);
  },
  function truncate(d, rng) {
    return d.subarray(0, int(rng, d.length));
  },
  function tweakLength(d, rng) {
    const node = pick(derNodes(d), rng);
    if (!node) return d;
    // Short form rewritten as (non-DER) long form, or long form cut to its first byte.
    const reencoded = node.contentAt - node.lengthAt === 1 ? [0x81, d[node.lengthAt]!] : [d[node.lengthAt]!];
    const choices = [
      [(d[node.lengthAt]! + 1) & 0xff],
      [(d[node.lengthAt]! - 1) & 0xff],
      [0x00],
      [0x80],
      [0x84, 0xff, 0xff, 0xff, 0xff],
      [0x83, 0x7f, 0xff, 0xff],
      [0x81, int(rng, 256)],
      reencoded,
    ];
    const replacement = Buffer.from(pick(choices, rng)!);
    return Buffer.concat([d.subarray(0, node.lengthAt), replacement, d.subarray(node.contentAt)]);
  },
  function rewriteInteger(d, rng) {
    const node = pick(derNodes(d).filter((n) => n.tag === 0x02), rng);
    if (!node) return d;
    // Tiny, negative, zero, and large values (iteration counts, versions, key sizes).
    const values = [[0x00], [0xff], [0x01], [0x00, 0xff, 0xff], [0x00, 0x98, 0x96, 0x81], [0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]];
    const value = Buffer.from(pick(values, rng)!);
    return Buffer.concat([d.subarray(0, node.start), Buffer.from([0x02, value.length]), value, d.subarray(node.end)]);
  },
  function swapSubtrees(d, rng) {
    const nodes = derNodes(d);
    const a = pick(nodes, rng);
    const b = pick(nodes, rng);
    if (!a || !b || !(a.end <= b.start || b.end <= a.start)) return d;
    const [x, y] = a.start < b.start ? [a, b] : [b, a];
    return Buffer.concat([
      d.subarray(0, x.start), d.subarray(y.start, y.end), d.subarray(x.end, y.start), d.subarray(x.start, x.end), d.subarray(y.end),
    ]);
  },
  function duplicateSubtree(d, rng) {
    const node = pick(derNodes(d), rng);
    if (!node) return d;
    return Buffer.concat([d.subarray(0, node.end), d.subarray(node.start, node.end), d.subarray(node.end)]);
  },
];

function pick<T>(list: T[], rng: Rng): T | undefined {
  return list.length === 0 ? undefined : list[int(rng, list.length)];
}

/** Applies 1 to 3 seeded mutations to `data`; the same seed always gives the same result. */
export function mutate(data: Buffer, seed: number): Buffer {
  const rng = prng(seed);
  let out = data;
  for (let i = 0, n = 1 + int(rng, 3); i < n; i++) out = MUTATORS[int(rng, MUTATORS.length)]!(out, rng);
  return out;
}
