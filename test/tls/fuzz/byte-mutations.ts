import type { Prng } from './prng';

const INTERESTING = [0x00, 0x01, 0x02, 0x03, 0x04, 0x20, 0x7f, 0x80, 0xfe, 0xff];

/** One to four random edits of a message body: flips, edge values, off-by-one lengths, cuts, inserts. */
export function mutateBytes(rng: Prng, input: Buffer): { bytes: Buffer; ops: string[] } {
  let b = Buffer.from(input);
  const ops: string[] = [];
  const count = 1 + rng.int(4);
  for (let i = 0; i < count; i++) {
    const at = rng.int(b.length + 1);
    switch (rng.int(7)) {
      case 0:
        if (at < b.length) b[at] = (b[at] as number) ^ (1 << rng.int(8));
        ops.push(`flip at ${at}`);
        break;
      case 1:
        if (at < b.length) b[at] = rng.pick(INTERESTING);
        ops.push(`edge value at ${at}`);
        break;
      case 2:
        // Most fields are lengths: nudge one by one or two.
        if (at < b.length) b[at] = ((b[at] as number) + rng.pick([-2, -1, 1, 2])) & 0xff;
        ops.push(`nudge at ${at}`);
        break;
      case 3:
        b = b.subarray(0, at);
        ops.push(`truncate at ${at}`);
        break;
      case 4:
        b = Buffer.concat([b.subarray(0, at), rng.bytes(1 + rng.int(4)), b.subarray(at)]);
        ops.push(`insert at ${at}`);
        break;
      case 5:
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + rng.int(4))]);
        ops.push(`delete at ${at}`);
        break;
      default:
        b = Buffer.concat([b, rng.bytes(1 + rng.int(16))]);
        ops.push('append');
    }
  }
  return { bytes: b, ops };
}
