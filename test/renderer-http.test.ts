/**
 * The renderer in a real Chromium, on the HTTP transport it uses outside Electron: the built
 * bundle is served with Keyport's CSP from a loopback server that answers `/api/<method>` with
 * `serveContract` and streams events on `/api/events`, as `keyport serve` will.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyportServices } from '../src/core/services';
import { CONTENT_SECURITY_POLICY } from '../src/main/csp';
import { eventNames } from '../src/shared/contract';
import { createEventHub, type EventHub } from '../src/shared/events';
import { serveContract } from '../src/shared/serve';
import { memoryServices } from './fixtures/memory-services';

const root = path.resolve(__dirname, '..');
const CHROMIUM = '/usr/bin/chromium';
const outDir = mkdtempSync(path.join(os.tmpdir(), 'keyport-renderer-'));
const servers: http.Server[] = [];
let browser: Browser | undefined;

const types: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
};

/** Serves the built renderer and the contract on 127.0.0.1, port chosen by the OS. */
async function startServer(services: KeyportServices, events: EventHub): Promise<string> {
  const server = http.createServer((req, res) => {
    void handle(req, res).catch(() => res.writeHead(500).end());
  });
  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const { pathname } = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (pathname === '/api/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
      res.write(': open\n\n');
      const stops = eventNames.map((name) =>
        events.subscribe(name, (payload) => res.write(`event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`)),
      );
      req.on('close', () => stops.forEach((stop) => stop()));
      return;
    }
    if (req.method === 'POST' && pathname.startsWith('/api/')) {
      let text = '';
      for await (const chunk of req) text += chunk;
      const result = await serveContract(services, pathname.slice('/api/'.length), text ? JSON.parse(text) : undefined, { events });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
      return;
    }
    const file = path.join(outDir, 'renderer', pathname === '/' ? 'index.html' : path.normalize(pathname));
    const body = await readFile(file).catch(() => null);
    if (!body) return void res.writeHead(404).end();
    res.writeHead(200, {
      'content-type': types[path.extname(file)] ?? 'application/octet-stream',
      'content-security-policy': CONTENT_SECURITY_POLICY,
    });
    res.end(body);
  }
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

/** Opens the UI and records everything the page complains about (CSP violations, errors). */
async function openUi(url: string): Promise<{ page: Page; problems: string[] }> {
  if (!browser) throw new Error('Chromium did not start');
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.url()}`);
  });
  page.on('console', (m) => {
    if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) problems.push(m.text());
  });
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
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  rmSync(outDir, { recursive: true, force: true });
});

describe.runIf(existsSync(CHROMIUM))('renderer over HTTP in Chromium', () => {
  it('lists identities, follows identities.changed, and breaks no CSP rule', async () => {
    const events = createEventHub();
    const services = memoryServices();
    const { page, problems } = await openUi(await startServer(services, events));
    await expect(page.getByRole('heading', { name: 'Keyport' }).isVisible()).resolves.toBe(true);
    const row = page.locator('tbody tr[data-id="id-1"]');
    await row.waitFor();
    expect(await row.locator('td').allInnerTexts()).toEqual([
      'dev',
      'CN=dev',
      expect.stringMatching(/2035/),
      'valid',
      'OS keychain',
    ]);
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
