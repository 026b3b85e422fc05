import { promises as fs } from 'node:fs';
import path from 'node:path';
import { KeyportError } from '../../shared/errors';
import { writeFileAtomic } from './atomic-file';
import { withFileLock } from './file-lock';
import { migrateRegistry } from './migrations';
import { RegistryFileSchema, SCHEMA_VERSION, type RegistryFile } from './schema';
import { parseVersionedJson } from './versioned-json';

const EMPTY: RegistryFile = { schemaVersion: SCHEMA_VERSION, identities: [], pendingKeys: [], operations: [] };

/**
 * The identity registry: `identities.json` in the data dir, public material and key references only.
 * Every change is a locked read-modify-write with an atomic replace; the previous good copy is kept as
 * `identities.json.bak`. A corrupt file is reported and never overwritten.
 */
export class Registry {
  readonly file: string;
  readonly backupFile: string;
  private readonly lockFile: string;

  constructor(readonly dataDir: string) {
    this.file = path.join(dataDir, 'identities.json');
    this.backupFile = `${this.file}.bak`;
    this.lockFile = path.join(dataDir, 'identities.lock');
  }

  /** The current contents (empty when the registry does not exist yet). */
  async read(): Promise<RegistryFile> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return structuredClone(EMPTY);
      throw new KeyportError('KEYPORT_FILE_UNREADABLE', `Cannot read the identity registry ${this.file}: ${(e as Error).message}.`);
    }
    return this.parse(text);
  }

  /**
   * Applies `change` under the lock and saves the result. `change` may mutate the draft and return a
   * value; if it throws, nothing is written. `beforeReplace` runs once the new file is written but
   * not yet in place (a crash test hook).
   */
  async update<T>(change: (draft: RegistryFile) => T | Promise<T>, beforeReplace?: () => void): Promise<T> {
    await fs.mkdir(this.dataDir, { recursive: true, mode: 0o700 });
    return withFileLock(this.lockFile, async () => {
      const current = await this.read();
      const draft = structuredClone(current);
      const result = await change(draft);
      await this.save(draft, beforeReplace);
      return result;
    });
  }

  private async save(next: RegistryFile, beforeReplace?: () => void): Promise<void> {
    const text = `${JSON.stringify(RegistryFileSchema.parse(next), null, 2)}\n`;
    const previous = await fs.readFile(this.file).catch(() => null);
    if (previous) await writeFileAtomic(this.backupFile, previous);
    await writeFileAtomic(this.file, text, beforeReplace);
  }

  private parse(text: string): RegistryFile {
    return parseVersionedJson(text, {
      schema: RegistryFileSchema,
      version: SCHEMA_VERSION,
      migrate: migrateRegistry,
      newer: (version) =>
        new KeyportError('KEYPORT_REGISTRY_NEWER_SCHEMA', `The identity registry ${this.file} was written by a newer Keyport (schema ${version}); update Keyport to use it.`),
      corrupt: (why) => this.corrupt(why),
    });
  }

  private corrupt(why: string): KeyportError {
    return new KeyportError(
      'KEYPORT_REGISTRY_CORRUPT',
      `The identity registry ${this.file} is corrupt (${why}); Keyport left it untouched. The last good copy is ${this.backupFile}: check it and copy it over the registry to restore.`,
    );
  }
}
