import { promises as fs } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { KeyportError } from '../../shared/errors';

/** A lock older than this is taken to be left by a crashed process even if its pid was reused. */
const STALE_MS = 30_000;

/**
 * Runs `fn` while holding an exclusive lock file, so two Keyport processes (the app and a CLI, say)
 * never interleave a read-modify-write of the registry. A lock left by a dead process is taken over.
 * `what` names the locked file in the busy error ("The identity registry" by default).
 */
export async function withFileLock<T>(lockFile: string, fn: () => Promise<T>, waitMs = 10_000, what = 'The identity registry'): Promise<T> {
  await acquire(lockFile, waitMs, what);
  try {
    return await fn();
  } finally {
    await fs.rm(lockFile, { force: true });
  }
}

async function acquire(lockFile: string, waitMs: number, what: string): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    try {
      const handle = await fs.open(lockFile, 'wx', 0o600);
      await handle.writeFile(JSON.stringify({ pid: process.pid, at: Date.now() }));
      await handle.close();
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    if (await isStale(lockFile)) {
      await fs.rm(lockFile, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new KeyportError(
        'KEYPORT_REGISTRY_LOCKED',
        `${what} is busy: another Keyport process holds ${lockFile}; try again, or delete that file if no Keyport is running.`,
      );
    }
    await sleep(delay);
  }
}

async function isStale(lockFile: string): Promise<boolean> {
  try {
    const { pid, at } = JSON.parse(await fs.readFile(lockFile, 'utf8')) as { pid: number; at: number };
    return Date.now() - at > STALE_MS || !processAlive(pid);
  } catch {
    // Unreadable: a writer is between open and write, or it crashed there. Judge by age.
    const stat = await fs.stat(lockFile).catch(() => null);
    return stat !== null && Date.now() - stat.mtimeMs > STALE_MS;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
