import { PassThrough, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { coalescedPipe } from './coalesced-pipe';

/** A Writable that records each write call's chunks; `delayMs` makes it slow (backpressure). */
function recorder(delayMs = 0): { to: Writable; calls: Buffer[][] } {
  const calls: Buffer[][] = [];
  const done = (cb: () => void) => (delayMs ? void setTimeout(cb, delayMs) : cb());
  const to = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _enc, cb) {
      calls.push([chunk]);
      done(cb);
    },
    writev(chunks, cb) {
      calls.push(chunks.map((c) => c.chunk as Buffer));
      done(cb);
    },
  });
  return { to, calls };
}

describe('coalescedPipe', () => {
  it('sends the chunks of one event-loop turn in one writev, in order', async () => {
    const from = new PassThrough();
    const { to, calls } = recorder();
    coalescedPipe(from, to, { end: false });
    const chunks = [0, 1, 2, 3].map((i) => Buffer.alloc(16384, i));
    for (const c of chunks) from.write(c);
    await sleep(10);
    expect(calls).toHaveLength(1);
    expect(Buffer.concat(calls[0]!)).toEqual(Buffer.concat(chunks));
    from.write(Buffer.from('next turn'));
    await sleep(10);
    expect(calls.map((c) => Buffer.concat(c).toString())).toContain('next turn');
    expect(to.writableEnded).toBe(false);
  });

  it('pauses the source while a slow destination drains, and loses nothing', async () => {
    const from = new PassThrough({ highWaterMark: 1024 });
    const { to, calls } = recorder(2);
    coalescedPipe(from, to, { end: true });
    let pausedSeen = false;
    const sent: Buffer[] = [];
    for (let i = 0; i < 20; i++) {
      const chunk = Buffer.alloc(4096, i);
      sent.push(chunk);
      if (!from.write(chunk)) await new Promise((resolve) => from.once('drain', resolve));
      pausedSeen ||= from.isPaused();
      await sleep(0);
    }
    from.end();
    await new Promise((resolve) => to.once('finish', resolve));
    expect(pausedSeen).toBe(true);
    expect(Buffer.concat(calls.flat())).toEqual(Buffer.concat(sent));
  });

  it('with recycle, lets the source reuse its memory only once the destination has written it all', async () => {
    const memory = Buffer.alloc(4096, 1);
    let releases = 0;
    // Reuse is simulated by scribbling over the memory at once.
    const from = Object.assign(new PassThrough(), { recycleReads: () => undefined, releaseReads: () => void (releases++, memory.fill(0xee)) });
    const written: Buffer[] = [];
    const later = (chunks: Buffer[], cb: () => void) => setTimeout(() => (written.push(...chunks.map((c) => Buffer.from(c))), cb()), 5);
    const to = new Writable({ highWaterMark: 1024, write: (c: Buffer, _e, cb) => later([c], cb), writev: (cs, cb) => later(cs.map((c) => c.chunk as Buffer), cb) });
    coalescedPipe(from, to, { end: false, recycle: true });
    from.write(memory);
    await sleep(30);
    expect(releases).toBeGreaterThan(0);
    expect(Buffer.concat(written)).toEqual(Buffer.alloc(4096, 1));
  });

  it('ends the destination with the source only when asked', async () => {
    for (const end of [true, false]) {
      const from = new PassThrough();
      const { to } = recorder();
      coalescedPipe(from, to, { end });
      from.end('last');
      await sleep(10);
      expect(to.writableEnded).toBe(end);
    }
  });
});
