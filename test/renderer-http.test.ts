/**
 * The renderer in a real Chromium, on the HTTP transport it uses outside Electron: the built
 * bundle served by `keyport serve`'s own server (src/core/serve) over the in-memory core, so
 * this checks the UI's display, events and CSP; e2e/serve.e2e.test.ts runs the real CLI.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyportServices } from '../src/core/services';
import { startUiServer, type UiServer } from '../src/core/serve/server';
import { createEventHub, type EventHub } from '../src/shared/events';
import { serveContract } from '../src/shared/serve';
import { memoryServices } from './fixtures/memory-services';
import { watchProblems } from './testbed/page-problems';

const root = path.resolve(__dirname, '..');
const CHROMIUM = '/usr/bin/chromium';
const outDir = mkdtempSync(path.join(os.tmpdir(), 'keyport-renderer-'));
const servers: UiServer[] = [];
let browser: Browser | undefined;

/** Serves the built renderer and the contract like `keyport serve`; returns the URL with its token. */
async function startServer(services: KeyportServices, events: EventHub): Promise<string> {
  const server = await startUiServer({ services, events, rendererDir: path.join(outDir, 'renderer') });
  servers.push(server);
  return server.url;
}

/** Opens the UI and records everything the page complains about (CSP violations, errors). */
async function openUi(url: string): Promise<{ page: Page; problems: string[] }> {
  if (!browser) throw new Error('Chromium did not start');
  const page = await browser.newPage();
  const problems = watchProblems(page);
  await page.goto(url);
  return { page, problems };
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    const message = `Chromium is missing (${CHROMIUM}): install the Debian package chromium.`;
    if (process.env.CI) throw new Error(message);
    console.warn(`renderer-http.test.ts: ${message}`);
    return;
  }
  const build = spawnSync(
    process.execPath,
    [path.join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build', '--outDir', outDir, '--logLevel', 'error'],
    { cwd: root, encoding: 'utf8' },
  );
  if (build.status !== 0) throw new Error(`electron-vite build failed: ${build.stderr}`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});

afterAll(async () => {
  await browser?.close();
  await Promise.all(servers.map((s) => s.close()));
  rmSync(outDir, { recursive: true, force: true });
});

describe.runIf(existsSync(CHROMIUM))('renderer over HTTP in Chromium', () => {
  it('lists identities, follows identities.changed, and breaks no CSP rule', async () => {
    const events = createEventHub();
    const services = memoryServices();
    const { page, problems } = await openUi(await startServer(services, events));
    await expect(page.getByRole('heading', { name: 'Identities' }).isVisible()).resolves.toBe(true);
    const row = page.locator('tbody tr[data-id="id-1"]');
    await row.waitFor();
    expect({
      label: await row.locator('[data-field=label]').innerText(),
      subject: await row.locator('[data-field=subject]').innerText(),
      expires: await row.locator('time').getAttribute('datetime'),
      status: await row.locator('[data-field=status]').getAttribute('data-status'),
      keyStore: await row.locator('[data-field=key-store]').getAttribute('data-kind'),
    }).toEqual({ label: 'dev', subject: 'CN=dev', expires: expect.stringMatching(/^2035/), status: 'valid', keyStore: 'Keychain' });
    // A removal served to another client publishes identities.changed; the open page reloads.
    await serveContract(services, 'identities.remove', { id: 'id-1' }, { events });
    await page.getByText('No identities yet').waitFor();
    expect(problems).toEqual([]);
  });

  it('shows the error sentence and code when the core fails', async () => {
    const { page, problems } = await openUi(await startServer(memoryServices(new Error('disk on fire')), createEventHub()));
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.innerText()).toBe('Keyport failed to answer identities.list: disk on fire');
    expect(await alert.getAttribute('data-code')).toBe('KEYPORT_INTERNAL');
    expect(problems).toEqual([]);
  });
});
