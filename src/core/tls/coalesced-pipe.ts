import type { Readable, Writable } from 'node:stream';

/**
 * Pipes `from` into `to` as `pipe()` does (backpressure; `to` ended with `from` when `end`), but
 * the chunks that arrive in one turn of the event loop go out in one write. A TLS socket hands
 * over 16 KB records, four or more per TCP read, and process.stdout on a pipe writes each with
 * its own write(2) that wakes the reader; corked, they leave as one writev. When `to` has not
 * taken everything by the end of the turn (a full pipe), `from` waits for 'drain'.
 */
export function coalescedPipe(from: Readable, to: Writable, opts: { end: boolean }): void {
  let corked = false;
  const flush = (): void => {
    if (!corked) return;
    corked = false;
    to.uncork();
    if (to.writableNeedDrain && !from.isPaused()) {
      from.pause();
      to.once('drain', () => from.resume());
    }
  };
  from.on('data', (chunk: Buffer) => {
    if (to.destroyed) return;
    if (!corked) {
      corked = true;
      to.cork();
      process.nextTick(flush);
    }
    to.write(chunk);
  });
  if (opts.end) {
    from.once('end', () => {
      flush();
      if (!to.destroyed) to.end();
    });
  }
}
