import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Replaces `file` with `data` so that a reader sees the old or the new content, never a mix:
 * temp file in the same folder, fsync, rename, fsync of the folder. Mode 0600: the file is the user's.
 * `beforeRename` runs between the two (a test hook: a crash there must leave the old content).
 */
export async function writeFileAtomic(file: string, data: string | Buffer, beforeRename?: () => void): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const handle = await fs.open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  beforeRename?.();
  try {
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
  await syncDir(path.dirname(file));
}

async function syncDir(dir: string): Promise<void> {
  // Makes the rename durable; not possible on Windows, where rename is already journaled.
  if (process.platform === 'win32') return;
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
