import { promises as fs } from 'node:fs';
import { KeyportError } from '../shared/errors';

/** No certificate, key or PKCS#12 file a person is handed comes near this; anything larger is refused. */
export const MAX_INPUT_BYTES = 10 * 1024 * 1024;

/** Reads a user-supplied file, refusing huge ones before reading them. `what` names it in errors. */
export async function readInputFile(file: string, what: string): Promise<Buffer> {
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) throw new Error('it is not a regular file');
    if (stat.size > MAX_INPUT_BYTES) {
      throw new KeyportError(
        'KEYPORT_FILE_TOO_LARGE',
        `Cannot read ${what} ${file}: it is ${(stat.size / 1048576).toFixed(1)} MB, more than the 10 MB Keyport accepts.`,
      );
    }
    return await fs.readFile(file);
  } catch (e) {
    if (e instanceof KeyportError) throw e;
    throw new KeyportError('KEYPORT_FILE_UNREADABLE', `Cannot read ${what} ${file}: ${(e as Error).message}.`);
  }
}
