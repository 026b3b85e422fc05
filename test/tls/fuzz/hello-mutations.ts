import type { Prng } from './prng';

/** One extension of a hello: type and body. */
interface Extension {
  type: number;
  body: Buffer;
}

/** Extension types worth injecting into a ServerHello or HelloRetryRequest. */
const EXTENSION_TYPES = [0, 10, 11, 16, 23, 41, 42, 43, 44, 51, 0xff01, 0x1234];

/**
 * Edits one extension of a ServerHello/HelloRetryRequest body and fixes every length, so the
 * hello still parses and the mutation reaches the code that reads the extension itself.
 */
export function mutateHelloExtensions(rng: Prng, body: Buffer): { body: Buffer; op: string } {
  const start = 35 + (body[34] ?? 0) + 3;
  const exts = readExtensions(body.subarray(start + 2));
  if (start > body.length || !exts) return { body, op: 'hello extensions unparsable' };
  const i = rng.int(exts.length);
  const ext = exts[i];
  let op: string;
  const choice = ext ? rng.int(5) : 4;
  if (choice === 0 && ext) {
    const len = rng.int(ext.body.length);
    exts[i] = { ...ext, body: ext.body.subarray(0, len) };
    op = `extension ${ext.type} cut to ${len} bytes`;
  } else if (choice === 1 && ext) {
    exts[i] = { ...ext, body: rng.bytes(rng.int(6)) };
    op = `extension ${ext.type} replaced by random bytes`;
  } else if (choice === 2 && ext) {
    exts.splice(i, 1);
    op = `extension ${ext.type} dropped`;
  } else if (choice === 3 && ext) {
    exts.splice(i, 0, ext);
    op = `extension ${ext.type} repeated`;
  } else {
    const type = rng.pick(EXTENSION_TYPES);
    exts.splice(i, 0, { type, body: rng.bytes(rng.int(6)) });
    op = `extension ${type} added`;
  }
  const encoded = Buffer.concat(exts.map((e) => Buffer.concat([u16(e.type), u16(e.body.length), e.body])));
  return { body: Buffer.concat([body.subarray(0, start), u16(encoded.length), encoded]), op };
}

function readExtensions(block: Buffer): Extension[] | undefined {
  const out: Extension[] = [];
  for (let p = 0; p < block.length; ) {
    if (p + 4 > block.length) return undefined;
    const len = block.readUInt16BE(p + 2);
    out.push({ type: block.readUInt16BE(p), body: block.subarray(p + 4, p + 4 + len) });
    p += 4 + len;
  }
  return out;
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n & 0xffff);
  return b;
}
