import { promises as fs } from 'node:fs';
import path from 'node:path';
import { durationSeconds } from '../../shared/duration';
import { KeyportError } from '../../shared/errors';
import { AUDIT_FILE } from './log';
import { AuditEntrySchema, type AuditEntry } from './schema';

/**
 * The audit entries in `dataDir`, by the time their sessions started, rotated files included; with `since`, only entries
 * at or after it. Lines that are not entries (a torn last line after a crash) are skipped.
 */
export async function readAudit(dataDir: string, since?: Date): Promise<AuditEntry[]> {
  const base = path.join(dataDir, AUDIT_FILE);
  const names = (await fs.readdir(dataDir).catch(() => [] as string[]))
    .filter((n) => n === AUDIT_FILE || /^audit\.log\.\d+$/.test(n))
    .sort((a, b) => rotationIndex(b) - rotationIndex(a));
  const timed: Array<{ at: number; entry: AuditEntry }> = [];
  for (const name of names) {
    const text = await readLog(path.join(path.dirname(base), name));
    for (const line of text.split('\n')) {
      const entry = parseLine(line);
      const at = entry ? Date.parse(entry.time) : NaN;
      if (entry && (!since || at >= since.getTime())) timed.push({ at, entry });
    }
  }
  // Entries are written when a session ends, and their time is when it started.
  return timed.sort((a, b) => a.at - b.at).map((t) => t.entry);
}

/** A log file's text; one rotated away meanwhile reads as empty, and one that cannot be read is said. */
async function readLog(file: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw new KeyportError('KEYPORT_FILE_UNREADABLE', `Cannot read the audit log ${file}: ${(e as Error).message}.`);
  }
}

/** Parses `--since`: an ISO 8601 time, or a duration back from now such as 30m, 2h, 7d. */
export function parseSince(raw: string, now = Date.now()): Date {
  const seconds = durationSeconds(raw);
  if (seconds !== undefined) return new Date(now - seconds * 1000);
  const t = Date.parse(raw);
  if (Number.isNaN(t)) {
    throw new KeyportError('KEYPORT_INVALID_ARGUMENT', `--since "${raw}" is neither a time (2026-01-31T12:00:00Z) nor a duration (30m, 2h, 7d).`);
  }
  return new Date(t);
}

function rotationIndex(name: string): number {
  return name === AUDIT_FILE ? 0 : Number(name.slice(AUDIT_FILE.length + 1));
}

function parseLine(line: string): AuditEntry | undefined {
  if (!line.trim()) return undefined;
  try {
    const parsed = AuditEntrySchema.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
