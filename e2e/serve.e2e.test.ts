/**
 * `keyport serve` end to end: the built CLI serves a temp data dir holding a keychain identity
 * (imported through the CLI into gnome-keyring), and Debian's Chromium opens the printed address.
 * The person's view: the identity's label, subject, status and key store in the table, the token
 * gone from the address bar, no CSP complaint. The attacker's view from the same browser: a page
 * on another loopback port cannot read or change anything, and a rebinding host name gets 421.
 * SIGTERM stops the server cleanly. A screenshot lands in test-results/serve-identities.png.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBackend } from '../test/testbed/backend';
import { createTestCa, type TestCa } from '../test/testbed/ca';
import { CLI_BUNDLE, runCli } from '../test/testbed/cli';
import { startKeyring, type Keyring } from '../test/testbed/keyring';
import { startProcess, tempDir, type Proc, type TempDir } from '../test/testbed/proc';
import { watchProblems } from '../test/testbed/page-problems';

const CHROMIUM = '/usr/bin/chromium';
const root = path.resolve(__dirname, '..');
const screenshot = path.join(root, 'test-results', 'serve-identities.png');
/** A name the browser resolves to 127.0.0.1, as a DNS-rebinding attacker would arrange. */
const REBIND_HOST = 'rebind.keyport.test';

const missing =
  requireBackend('keyring').missing ||
  requireBackend('openssl').missing ||
  requireBackend('chromium', () => existsSync(CHROMIUM) || `${CHROMIUM} not found (Debian package chromium)`).missing;

/** What `keyport list --json` says about the imported identity. */
interface Listed {
  id: string;
  label: string;
  subject: string;
  status: string;
}

describe.skipIf(missing)('keyport serve in Chromium', () => {
  let keyring: Keyring;
  let ca: TestCa;
  let data: TempDir;
  let profile: TempDir;
  let serve: Proc;
  let context: BrowserContext;
  let attacker: http.Server;
  let url: URL;
  let identity: Listed;
  const cli = (args: string[]) => runCli(args, { dataDir: data.path, env: keyring.env });
  const listed = async () => JSON.parse((await cli(['list', '--json'])).stdout) as Listed[];

  beforeAll(async () => {
    if (!existsSync(path.join(root, 'out', 'renderer', 'index.html'))) {
      throw new Error('The UI is not built (out/renderer/index.html is missing): run `npm run build` first.');
    }
    if (!existsSync(CLI_BUNDLE)) throw new Error(`The CLI is not built (${CLI_BUNDLE}): run \`npm run build\` first.`);
    [keyring, ca, data, profile] = await Promise.all([startKeyring(), createTestCa({ ec: true }), tempDir('serve-e2e'), tempDir('chromium-profile')]);
    const client = await ca.issueClient({ cn: 'serve-e2e-alice', ec: true });
    const imported = await cli(['import', client.chainFile, '--key', client.keyFile, '--label', 'alice laptop', '--json']);
    expect(imported.stderr).toBe('');
    [identity] = (await listed()) as [Listed];
    serve = await startProcess(process.execPath, [CLI_BUNDLE, '--data-dir', data.path, 'serve'], {
      name: 'keyport serve',
      env: { ...keyring.env, NO_COLOR: '1' },
      ready: { line: /Keyport UI: http:\/\/127\.0\.0\.1:\d+\/\?token=\S+\n/ },
    });
    url = new URL(/Keyport UI: (\S+)/.exec(serve.output())![1]!);
    attacker = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>evil</title>'));
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    context = await chromium.launchPersistentContext(profile.path, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--host-resolver-rules=MAP ${REBIND_HOST} 127.0.0.1`,
      ],
    });
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await new Promise((resolve) => (attacker ? attacker.close(resolve) : resolve(undefined)));
    await serve?.stop();
    await Promise.allSettled([keyring?.stop(), ca?.stop(), data?.remove(), profile?.remove()]);
  });

  it('shows the identity from the keychain: label, subject, status, key store', async () => {
    expect(identity).toMatchObject({ label: 'alice laptop', subject: expect.stringContaining('CN=serve-e2e-alice'), status: 'valid' });
    const { page, problems } = await open(context);
    await page.goto(url.href);
    // The token was traded for a cookie and is gone from the address bar (and the history).
    expect(page.url()).toBe(`${url.origin}/`);
    const row = page.locator(`tbody tr[data-id="${identity.id}"]`);
    await row.waitFor();
    const shown = {
      label: await row.locator('[data-field=label]').innerText(),
      subject: await row.locator('[data-field=subject]').innerText(),
      status: await row.locator('[data-field=status]').getAttribute('data-status'),
      keyStore: await row.locator('[data-field=key-store]').getAttribute('data-kind'),
    };
    expect(shown).toEqual({ label: identity.label, subject: identity.subject, status: identity.status, keyStore: 'Keychain' });
    const [cookie] = await context.cookies(url.origin);
    expect(cookie).toMatchObject({ name: `keyport-session-${url.port}`, httpOnly: true, sameSite: 'Strict' });
    await mkdir(path.dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('without the token, the page says how to get in and shows nothing', async () => {
    const stranger = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
    try {
      const page = await stranger.newPage();
      const response = await page.goto(`${url.origin}/`);
      expect(response?.status()).toBe(401);
      expect(await page.locator('body').innerText()).toMatch(/open the address that `keyport serve` printed/);
    } finally {
      await stranger.close();
    }
  });

  it('a page on another loopback port, in the same browser with the session cookie, can neither read nor remove', async () => {
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`);
    const outcome = await page.evaluate(async ({ target, id }) => {
      const read = await fetch(`${target}/api/identities.list`, {
        method: 'POST',
        credentials: 'include',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      }).then(
        (r) => r.text(),
        () => 'blocked',
      );
      // The classic CSRF: a "simple" request that needs no preflight and whose answer is opaque.
      await fetch(`${target}/api/identities.remove`, {
        method: 'POST',
        mode: 'no-cors',
        credentials: 'include',
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify({ id }),
      }).catch(() => undefined);
      const events = await new Promise<string>((resolve) => {
        const source = new EventSource(`${target}/api/events`, { withCredentials: true });
        source.onopen = () => resolve('open');
        source.onerror = () => resolve('refused');
      });
      return { read, events };
    }, { target: url.origin, id: identity.id });
    expect(outcome).toEqual({ read: 'blocked', events: 'refused' });
    expect((await listed()).map((i) => i.id)).toEqual([identity.id]);
    await page.close();
  });

  it('a DNS-rebinding name pointing at 127.0.0.1 gets 421 and no UI', async () => {
    const page = await context.newPage();
    const response = await page.goto(`http://${REBIND_HOST}:${url.port}/`);
    expect(response?.status()).toBe(421);
    expect(await page.content()).not.toContain(identity.subject);
    await page.close();
  });

  it('stops on SIGTERM with exit code 0 and printed nothing but the address', async () => {
    process.kill(serve.pid, 'SIGTERM');
    expect(await serve.exited).toEqual({ code: 0, signal: null });
    expect(serve.output().trim().split('\n')).toEqual([
      `Keyport UI: ${url.href}`,
      expect.stringMatching(/^Open this address in a browser on this machine/),
    ]);
  });
});

/** A page that records what it complains about (errors, CSP violations, failed requests). */
async function open(context: BrowserContext): Promise<{ page: Page; problems: string[] }> {
  const page = await context.newPage();
  return { page, problems: watchProblems(page) };
}
