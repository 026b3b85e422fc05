import type { Readable, Writable } from 'node:stream';

/**
 * Pipes `from` into `to` as `pipe()` does (backpressure included; `to` is not ended), but the
 * chunks that arrive in one turn of the event loop go out in one write: a TLS socket hands over
 * 16 KB records, four or more per TCP read, and process.stdout on a pipe writes each with a
 * blocking write(2) that wakes the reader. Corked, they leave as one writev. When `to` has not
 * taken everything by the end of the turn (a full, non-blocking pipe), `from` waits for 'drain'.
 */
export function coalescedPipe(from: Readable, to: Writable): void {
  let corked = false;
  const flush = (): void => {
    corked = false;
    to.uncork();
    if (to.writableNeedDrain) {
      from.pause();
      to.once('drain', () => from.resume());
    }
  };
  from.on('data', (chunk: Buffer) => {
    if (!corked) {
      corked = true;
      to.cork();
      process.nextTick(flush);
    }
    to.write(chunk);
  });
}
