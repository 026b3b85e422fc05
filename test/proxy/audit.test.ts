/** The audit log on its own: append order, owner-only mode, rotation by size, reading across rotated files, --since. */
import fsSync, { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
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
    log.close();
  });

  it('keeps one file open across sessions (one mkdir, one open), and opens again after close() or a rotation', async () => {
    const opens = vi.spyOn(fsSync, 'openSync');
    const mkdirs = vi.spyOn(fsSync, 'mkdirSync');
    try {
      const log = new AuditLog(path.join(dir, 'sub'), { maxBytes: 100_000 });
      for (let i = 0; i < 30; i++) log.append(entry(i));
      expect(opens).toHaveBeenCalledTimes(1);
      expect(mkdirs).toHaveBeenCalledTimes(1);
      log.close();
      log.append(entry(30));
      log.close();
      expect(opens).toHaveBeenCalledTimes(2);
      const st = await fs.stat(path.join(dir, 'sub', 'audit.log'));
      expect(st.mode & 0o777).toBe(0o600);
      expect((await readAudit(path.join(dir, 'sub'))).map((e) => e.identity)).toEqual(Array.from({ length: 31 }, (_, i) => `id-${i}`));

      const small = new AuditLog(dir, { maxBytes: 600, keep: 1 });
      for (let i = 0; i < 6; i++) small.append(entry(i));
      small.close();
      expect((await fs.readdir(dir)).filter((n) => n.startsWith('audit.log')).sort()).toEqual(['audit.log', 'audit.log.1']);
      const kept = await readAudit(dir);
      expect(kept.at(-1)?.identity).toBe('id-5'); // the line after a rotation went to the new file, not the renamed one
    } finally {
      opens.mockRestore();
      mkdirs.mockRestore();
    }
  });

  it('regression: entries came in the order sessions ended while their time is when they started; now by that time', async () => {
    const log = new AuditLog(dir);
    for (const i of [3, 1, 2]) log.append(entry(i)); // a long session 1 ends after the short 2 and 3
    log.close();
    expect((await readAudit(dir)).map((e) => e.identity)).toEqual(['id-1', 'id-2', 'id-3']);
  });

  it('regression: an audit.log that could not be read (a directory) read as "no sessions yet"; now it is said', async () => {
    await fs.mkdir(path.join(dir, 'audit.log'));
    await expect(readAudit(dir)).rejects.toThrow(/^Cannot read the audit log .*audit\.log: EISDIR/);
  });

  it('filters with --since (a time or a duration) and skips a torn last line', async () => {
    const log = new AuditLog(dir);
    log.append(entry(1, '2026-01-01T00:00:00.000Z'));
    log.append(entry(2, new Date().toISOString()));
    log.close();
    await fs.appendFile(path.join(dir, 'audit.log'), '{"time":"2026-');
    expect((await readAudit(dir)).length).toBe(2);
    expect((await readAudit(dir, parseSince('1h'))).map((e) => e.identity)).toEqual(['id-2']);
    expect((await readAudit(dir, parseSince('2025-12-31T00:00:00Z'))).length).toBe(2);
    expect(() => parseSince('yesterday')).toThrow(KeyportError);
    expect(await readAudit(path.join(dir, 'missing'))).toEqual([]);
  });

  it('a log that cannot be written warns once on stderr, never throws, and is written again once it can be', async () => {
    const blocked = path.join(dir, 'blocked');
    await fs.writeFile(blocked, ''); // a file where the log's folder should be
    const warn = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const log = new AuditLog(blocked);
      expect(() => [1, 2].forEach((i) => log.append(entry(i)))).not.toThrow();
      const warnings = warn.mock.calls.map((c) => String(c[0]));
      expect(warnings).toEqual([expect.stringMatching(/^keyport: cannot write the audit log .*blocked.audit\.log: /)]);
      await fs.rm(blocked);
      log.append(entry(3));
      log.close();
      expect((await readAudit(blocked)).map((e) => e.identity)).toEqual(['id-3']);
    } finally {
      warn.mockRestore();
    }
  });
});
