/**
 * User settings in `settings.json` in the data folder: validated on read (a bad or missing file
 * gives the defaults, never a crash) and replaced atomically on write.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as z from 'zod';
import type { Settings } from '../../shared/views';
import { writeFileAtomic } from '../identities/atomic-file';

/** What a fresh install uses. */
export const DEFAULT_SETTINGS: Readonly<Settings> = { theme: 'system', pinIdleTimeoutMinutes: 15, notifications: true };

const SettingsFileSchema = z.object({
  theme: z.enum(['system', 'light', 'dark']).catch(DEFAULT_SETTINGS.theme),
  pinIdleTimeoutMinutes: z.number().int().min(0).max(1440).catch(DEFAULT_SETTINGS.pinIdleTimeoutMinutes),
  notifications: z.boolean().catch(DEFAULT_SETTINGS.notifications),
});

/** Reads and writes the settings file; writes are serialised so two changes never interleave. */
export class SettingsStore {
  readonly file: string;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'settings.json');
  }

  /** The settings, each field falling back to its default when missing or invalid. */
  async read(): Promise<Settings> {
    const text = await fs.readFile(this.file, 'utf8').catch(() => '{}');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = {};
    }
    return SettingsFileSchema.parse(typeof parsed === 'object' && parsed !== null ? { ...DEFAULT_SETTINGS, ...parsed } : DEFAULT_SETTINGS);
  }

  /** Applies `change` (already validated by the contract) and returns the new settings. */
  update(change: Partial<Settings>): Promise<Settings> {
    const next = this.queue.then(async () => {
      const settings = { ...(await this.read()), ...change };
      await fs.mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
      await writeFileAtomic(this.file, `${JSON.stringify(settings, null, 2)}\n`);
      return settings;
    });
    this.queue = next.catch(() => undefined);
    return next;
  }
}
