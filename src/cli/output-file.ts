import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { KeyportError } from '../shared/errors';

function unwritable(file: string, e: unknown): KeyportError {
  return new KeyportError(
    'KEYPORT_FILE_UNWRITABLE',
    `Cannot write ${file}: ${(e as Error).message}; check that its folder exists and is writable.`,
    { cause: e },
  );
}

/** Fails early, before any work, when `file` could not be written (its folder missing or read-only). */
export async function checkWritable(file: string): Promise<void> {
  await fs.access(path.dirname(path.resolve(file)), constants.W_OK).catch((e: unknown) => {
    throw unwritable(file, e);
  });
}

/**
 * Writes command output to `file`. With `ownerOnly` (a PKCS#12 holds a key) the file is made
 * owner-only before its bytes go in, also when it already existed (open's mode applies only to new files).
 */
export async function writeOutputFile(file: string, data: string | Buffer, ownerOnly = false): Promise<void> {
  try {
    const handle = await fs.open(file, 'w', ownerOnly ? 0o600 : 0o644);
    try {
      if (ownerOnly) await handle.chmod(0o600);
      await handle.writeFile(data);
    } finally {
      await handle.close();
    }
  } catch (e) {
    throw unwritable(file, e);
  }
}
