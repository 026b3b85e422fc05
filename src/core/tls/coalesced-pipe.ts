import type { Readable, Writable } from 'node:stream';

/** A source whose chunks may be written over once its consumer holds none of them (KeyportTlsSocket). */
export interface RecyclingSource {
  recycleReads(): void;
  releaseReads(): void;
}

/**
 * Pipes `from` into `to` as `pipe()` does (backpressure; `to` ended with `from` when `end`), but
 * the chunks that arrive in one turn of the event loop go out in one write. A TLS socket hands
 * over 16 KB records, four or more per TCP read, and process.stdout on a pipe writes each with
 * its own write(2) that wakes the reader; corked, they leave as one writev. When `to` has not
 * taken everything by the end of the turn (a full pipe), `from` waits for 'drain'.
 *
 * With `recycle`, `from` reuses the memory of its chunks whenever `to` has written all it was
 * given: a bulk transfer then allocates nothing. Only for a `to` whose writes complete once the
 * bytes have left the process (a socket, process.stdout) and a `from` whose other 'data'
 * listeners keep no chunk. When `from` closes, its memory is given back once `to` has written
 * (or dropped) the last of it: the records a connection reads after its data (close_notify) would
 * otherwise take a fresh slab each and leave it to the garbage collector.
 */
export function coalescedPipe(from: Readable & Partial<RecyclingSource>, to: Writable, opts: { end: boolean; recycle?: boolean }): void {
  let corked = false;
  const recycler = opts.recycle ? from : undefined;
  recycler?.recycleReads?.();
  const releaseIfWritten = (): void => {
    if (to.writableLength === 0) recycler?.releaseReads?.();
  };
  if (recycler) from.once('close', () => releaseOnceWritten(to, () => recycler.releaseReads?.()));
  const flush = (): void => {
    if (!corked) return;
    corked = false;
    to.uncork();
    releaseIfWritten();
    if (to.writableNeedDrain && !from.isPaused()) {
      from.pause();
      to.once('drain', () => {
        releaseIfWritten();
        from.resume();
      });
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

/** Runs `release` as soon as `to` holds no unwritten byte: now, at its next 'drain', or when it closes (its writes dropped). */
function releaseOnceWritten(to: Writable, release: () => void): void {
  if (to.writableLength === 0 || to.destroyed) return release();
  const once = (): void => {
    to.off('drain', once);
    to.off('close', once);
    release();
  };
  to.on('drain', once);
  to.on('close', once);
}
