/**
 * The built Electron main process, wired to the real core on an empty temporary data folder.
 * Electron's binary is not installable on the test machines, so test/fixtures/electron-stand-in.cjs
 * records what the bundle asks of the electron module and calls its IPC handlers.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { version } from '../package.json';
import { methodNames } from '../src/shared/contract';

const root = path.resolve(__dirname, '..');
const temp = mkdtempSync(path.join(os.tmpdir(), 'keyport-main-'));
let report: {
  schemes: unknown;
  protocols: string[];
  windows: Array<Record<string, unknown>>;
  loaded: string[];
  channels: string[];
  calls: Record<string, unknown>;
  sent: Array<[string, unknown]>;
  tray: { tooltip: string; menu: string[] } | null;
  power: string[];
  appEvents: string[];
  errors: string[];
  quits: number;
};
const p12Bytes = Buffer.from('not really a PKCS#12, only bytes to hand over');

beforeAll(() => {
  const outDir = path.join(temp, 'out');
  const build = spawnSync(
    process.execPath,
    [path.join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build', '--outDir', outDir, '--logLevel', 'error'],
    { cwd: root, encoding: 'utf8' },
  );
  if (build.status !== 0) throw new Error(`electron-vite build failed: ${build.stderr}`);
  const opened = path.join(temp, 'mailed.p12');
  writeFileSync(opened, p12Bytes);
  const run = spawnSync(
    process.execPath,
    [path.join(__dirname, 'fixtures/electron-stand-in.cjs'), path.join(outDir, 'main/index.js'), opened],
    {
      cwd: root,
      encoding: 'utf8',
      timeout: 30_000,
      // The bundle lives in a temp folder; its external dependencies come from our node_modules.
      env: {
        ...process.env,
        NODE_PATH: path.join(root, 'node_modules'),
        KEYPORT_DATA_DIR: path.join(temp, 'data'),
        KEYPORT_PKCS11_MODULES: '',
      },
    },
  );
  if (run.status !== 0) throw new Error(`the main bundle failed: ${run.stderr}`);
  report = JSON.parse(run.stdout);
});

afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe('Electron main bundle', () => {
  it('opens one sandboxed, isolated window on the keyport:// renderer', () => {
    expect(report.schemes).toEqual([
      { scheme: 'keyport', privileges: { standard: true, secure: true, supportFetchAPI: true } },
    ]);
    expect(report.protocols).toEqual(['keyport']);
    expect(report.loaded).toEqual(['keyport://app/index.html']);
    expect(report.windows).toHaveLength(1);
    expect(report.windows[0]).toMatchObject({
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
      allowRunningInsecureContent: false,
    });
  });

  it('registers one IPC handler per contract method', () => {
    expect([...report.channels].sort()).toEqual([...methodNames].sort());
  });

  it('answers our renderer from the real core', () => {
    expect(report.calls.version).toEqual({ ok: true, value: { name: 'Keyport', version } });
    expect(report.calls.list).toEqual({ ok: true, value: [] });
    expect(report.calls.tokens).toEqual({ ok: true, value: [] });
    expect(report.calls.badBody).toMatchObject({ ok: false, error: { code: 'KEYPORT_INVALID_REQUEST' } });
    expect(report.calls.missing).toMatchObject({ ok: false, error: { code: 'KEYPORT_NOT_FOUND' } });
  });

  it('shows a tray whose menu opens Keyport, shows the proxy state, says all is well on an empty registry, and quits', () => {
    expect(report.tray).toEqual({
      tooltip: 'Keyport',
      menu: ['Open Keyport', 'separator', 'Proxy: stopped', 'Start routes', 'separator', 'All identities are valid', 'separator', 'Quit Keyport'],
    });
  });

  it('quits cleanly: will-quit closes the core (routes, scheduler, token host), then quits, and the process exits', () => {
    expect(report.quits).toBe(1);
  });

  it('locks tokens on screen lock and suspend, re-checks expiry and renewal on resume without an error, and takes opened files', () => {
    expect([...report.power].sort()).toEqual(['lock-screen', 'resume', 'suspend']);
    expect(report.appEvents).toEqual(expect.arrayContaining(['second-instance', 'open-file', 'will-quit']));
    expect(report.errors).toEqual([]);
  });

  it('hands a .p12 the app (argv) and a second instance were asked to open to the page, as bytes, once', () => {
    const file = { name: 'mailed.p12', dataBase64: p12Bytes.toString('base64') };
    expect(report.calls.opened).toEqual({ ok: true, value: [file, file] });
    expect(report.calls.openedAgain).toEqual({ ok: true, value: [] });
    expect(report.sent).toContainEqual(['app.filesOpened', {}]);
  });

  it.each(['webPage', 'subframe', 'goneFrame'])('refuses a request from %s', (name) => {
    expect(report.calls[name]).toMatchObject({ ok: false, error: { code: 'KEYPORT_FORBIDDEN' } });
  });
});
