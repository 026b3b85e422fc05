import path from 'node:path';
import { watchFile } from '../watch-file';

/** The registry file's name in the data dir (see registry.ts). */
const REGISTRY_FILE = 'identities.json';

/**
 * Calls `onChange` (debounced ~100 ms) whenever another process or this one rewrites the identity
 * registry in `dataDir`: fs.watch on the folder for the file's rename/change, plus a 1 s mtime poll
 * as a fallback. Returns the unsubscribe function.
 */
export function watchRegistry(dataDir: string, onChange: () => void): () => void {
  return watchFile(path.join(dataDir, REGISTRY_FILE), onChange);
}
