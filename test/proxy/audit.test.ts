/** The audit log on its own: append order, owner-only mode, rotation by size, reading across rotated files, --since. */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog, parseSince, readAudit, type AuditEntry } from '../../src/core/audit';
import { KeyportError } from '../../src/shared/errors';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'keyport-audit-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function entry(i: number, time = new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString()): AuditEntry {
  return { time, route: 'web', identity: `id-${i}`, serial: 'ab01', upstream: 'api:443', resumed: i % 2 === 0, bytesUp: i, bytesDown: 2 * i, durationMs: 1, result: 'ok' };
}

describe('audit log', () => {
  it('appends in order, owner-only, and rotates by size keeping N files; readAudit reads them oldest first', async () => {
    const log = new AuditLog(dir, { maxBytes: 1000, keep: 2 });
    for (let i = 0; i < 40; i++) log.append(entry(i));
    await log.flush();
    const names = (await fs.readdir(dir)).sort();
    expect(names).toEqual(['audit.log', 'audit.log.1', 'audit.log.2']);
    for (const n of names) {
      const st = await fs.stat(path.join(dir, n));
      expect(st.mode & 0o777).toBe(0o600);
      expect(st.size).toBeLessThanOrEqual(1000);
    }
    const read = await readAudit(dir);
    const ids = read.map((e) => Number(e.identity!.slice(3)));
    expect(ids).toEqual([...ids].sort((a, b) => a - b)); // oldest first, no gaps inside what was kept
    expect(ids.at(-1)).toBe(39);
    expect(ids.length).toBeLessThan(40); // the oldest file was dropped
  });

  it('filters with --since (a time or a duration) and skips a torn last line', async () => {
    const log = new AuditLog(dir);
    log.append(entry(1, '2026-01-01T00:00:00.000Z'));
    log.append(entry(2, new Date().toISOString()));
    await log.flush();
    await fs.appendFile(path.join(dir, 'audit.log'), '{"time":"2026-');
    expect((await readAudit(dir)).length).toBe(2);
    expect((await readAudit(dir, parseSince('1h'))).map((e) => e.identity)).toEqual(['id-2']);
    expect((await readAudit(dir, parseSince('2025-12-31T00:00:00Z'))).length).toBe(2);
    expect(() => parseSince('yesterday')).toThrow(KeyportError);
    expect(await readAudit(path.join(dir, 'missing'))).toEqual([]);
  });
});
