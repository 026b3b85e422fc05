/**
 * `npm start` on a machine without Electron's binary must say so in one sentence, with no
 * stack trace, and exit non-zero. ELECTRON_OVERRIDE_DIST_PATH (read by the electron package)
 * points at an empty folder so the binary is missing here whether or not it is installed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '..');
const emptyDist = mkdtempSync(path.join(os.tmpdir(), 'keyport-no-electron-'));

afterAll(() => rmSync(emptyDist, { recursive: true, force: true }));

describe('scripts/start.mjs', () => {
  it('explains in one sentence that Electron is missing and exits 1', () => {
    const run = spawnSync(process.execPath, [path.join(root, 'scripts', 'start.mjs')], {
      cwd: root,
      env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: emptyDist },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Electron's binary is not installed on this machine, .*`npx keyport serve`.*\.$/);
    expect(run.stderr).not.toMatch(/\bat .+:\d+:\d+/);
  });
});
