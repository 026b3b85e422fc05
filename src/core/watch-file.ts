import { watch, statSync, type FSWatcher } from 'node:fs';
import path from 'node:path';

/** How long a burst of file-system events is gathered before `onChange` runs once. */
const DEBOUNCE_MS = 100;
/** The stat poll that catches what fs.watch misses (network folders, a watcher that died). */
const POLL_MS = 1000;

/**
 * Calls `onChange` when `file` is created, replaced (atomic rename), changed or removed.
 * fs.watch on the parent folder (it survives the rename that replaces the file), debounced,
 * plus a stat poll every second as a fallback; a change is reported once however it was seen.
 * Returns the unsubscribe function.
 */
export function watchFile(file: string, onChange: () => void): () => void {
  const dir = path.dirname(file);
  const name = path.basename(file);
  let last = signature(file);
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;

  const check = (): void => {
    const now = signature(file);
    if (now === last) return;
    last = now;
    onChange();
  };
  const schedule = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      check();
    }, DEBOUNCE_MS);
  };
  const startWatcher = (): void => {
    if (watcher) return;
    try {
      watcher = watch(dir, { persistent: false }, (_event, changed) => {
        if (changed === null || changed === name) schedule();
      });
      watcher.on('error', () => {
        watcher?.close();
        watcher = undefined;
      });
    } catch {
      watcher = undefined; // the folder does not exist yet: the poll retries
    }
  };
  startWatcher();
  const poll = setInterval(() => {
    startWatcher();
    check();
  }, POLL_MS);
  poll.unref();

  return () => {
    clearInterval(poll);
    if (timer) clearTimeout(timer);
    watcher?.close();
    watcher = undefined;
  };
}

/** What identifies one version of a file: inode (atomic replace), size and mtime; '' when absent. */
function signature(file: string): string {
  try {
    const s = statSync(file, { bigint: true });
    return `${s.ino}:${s.size}:${s.mtimeNs}`;
  } catch {
    return '';
  }
}
