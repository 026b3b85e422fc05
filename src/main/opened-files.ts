/**
 * Files the OS asks Keyport to open (`.p12`/`.pfx` association: argv on Windows and Linux,
 * `open-file` on macOS). These paths come from the OS, never from the page; only regular files
 * with those extensions and at most the upload limit are read, and the UI gets their bytes.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { MAX_UPLOAD_BYTES } from '../shared/contract';
import { KeyportError } from '../shared/errors';
import type { FilePayload } from '../shared/views';

const OPENABLE = /\.(p12|pfx)$/i;

/** The arguments of a command line that name files Keyport opens (flags and everything else skipped). */
export function openableArgs(argv: readonly string[]): string[] {
  return argv.filter((arg) => !arg.startsWith('-') && OPENABLE.test(arg));
}

/** Reads one opened file as the contract carries files; refuses what is not a small regular file. */
export async function readOpenedFile(file: string): Promise<FilePayload> {
  const name = path.basename(file);
  if (!OPENABLE.test(name)) {
    throw new KeyportError('KEYPORT_FILE_UNREADABLE', `Keyport opens .p12 and .pfx files, not ${name}; import other files from the Import screen.`);
  }
  const stat = await fs.lstat(file).catch(() => null);
  if (!stat?.isFile()) throw new KeyportError('KEYPORT_FILE_UNREADABLE', `Cannot open ${name}: it is not a regular file.`);
  if (stat.size > MAX_UPLOAD_BYTES) {
    throw new KeyportError('KEYPORT_FILE_TOO_LARGE', `Cannot open ${name}: it is larger than ${MAX_UPLOAD_BYTES / 1048576} MB, too large for a PKCS#12 file.`);
  }
  return { name, dataBase64: (await fs.readFile(file)).toString('base64') };
}
