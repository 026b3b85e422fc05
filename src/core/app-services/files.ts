import { KeyportError } from '../../shared/errors';
import type { FilePayload } from '../../shared/views';

/**
 * The bytes of a file the UI sent. The contract already bounded and checked the base64; this
 * refuses what still decodes to nothing, naming the file.
 */
export function decodeFile(file: FilePayload): Buffer {
  const data = Buffer.from(file.dataBase64, 'base64');
  if (data.length === 0) throw new KeyportError('KEYPORT_FILE_UNREADABLE', `Cannot read ${file.name}: it is empty; pick the file again.`);
  return data;
}

/** A name safe to suggest for a download: the label without path separators or odd characters. */
export function downloadName(label: string, extension: string): string {
  const base = label.replace(/[^\w.@-]+/g, '_').replace(/^[._]+/, '').slice(0, 80) || 'identity';
  return `${base}${extension}`;
}
