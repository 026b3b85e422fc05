/**
 * The desktop UI's flows end to end on the real test bed (gnome-keyring, SoftHSM, a test CA,
 * nginx), through the one fixture (Electron where its binary exists, else `keyport serve` in
 * Chromium). One browser and one page for the whole file, screens visited in order:
 * import into the keychain (a wrong password first) and onto a token, an identity imported by
 * the CLI while the page is open, keygen + attach, connection tests that pass and fail, the PIN
 * prompt for a logged-out token. Every screen is checked with axe-core and shot in light and dark.
 */
import { existsSync } from 'node:fs';
import http from 'node:http';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import tls from 'node:tls';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBackend } from '../test/testbed/backend';
import { runCli } from '../test/testbed/cli';
import { freePort } from '../test/testbed/proc';
import { NGINX_WHOAMI_PATH } from '../test/testbed/tls-servers';
import { CHROMIUM, electronBinary, launchKeyport, type KeyportUi } from './support/app';
import { P12_PASSWORD, startBed, type Bed } from './support/bed';
import { checkScreen } from './support/screens';

const missing =
  requireBackend('keyring').missing ||
  requireBackend('softhsm2').missing ||
  requireBackend('openssl').missing ||
  requireBackend('nginx', () => existsSync('/usr/sbin/nginx') || 'nginx not found (Debian package nginx)').missing ||
  requireBackend('chromium', () => Boolean(electronBinary()) || existsSync(CHROMIUM) || `${CHROMIUM} not found (Debian package chromium)`).missing;

interface Listed {
  id: string;
  label: string;
  subject: string;
  keyStore: { kind: string; token?: string };
}

describe.skipIf(missing)('the desktop UI on the real test bed', () => {
  let bed: Bed;
  let ui: KeyportUi;
  let page: Page;
  const cli = (args: string[]) => runCli(args, { dataDir: bed.data.path, env: bed.env });
  const listed = async () => JSON.parse((await cli(['list', '--json'])).stdout) as Listed[];
  /** The field (label, input, hint/error) whose label is `label`. */
  const field = (label: string) => page.locator('.field').filter({ has: page.getByLabel(label, { exact: true }) });
  /** Shoots the screen in both themes and checks it with axe in both. */
  const check = async (name: string) => {
    expect(await checkScreen(page, name), `axe on ${name}`).toEqual([]);
  };

  beforeAll(async () => {
    bed = await startBed();
    ui = await launchKeyport({ dataDir: bed.data.path, env: bed.env, viewport: { width: 1280, height: 800 } });
    page = ui.page;
  }, 120_000);

  afterAll(async () => {
    await ui?.close();
    await bed?.stop();
  });

  it('starts on an empty identity list that says what to do first', async () => {
    await expect.poll(() => page.locator('.empty-state').innerText()).toContain('No identities yet');
    await check('identities-empty');
  });

  it('a wrong PKCS#12 password shows the error under the password field and imports nothing', async () => {
    await ui.goto('import');
    await page.getByLabel('File', { exact: true }).setInputFiles(bed.aliceP12);
    await page.getByLabel('Password', { exact: true }).fill('not the password');
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const error = field('Password').locator('.field-error');
    await error.waitFor();
    expect(await error.getAttribute('data-code')).toBe('KEYPORT_PKCS12_WRONG_PASSWORD');
    expect(await error.innerText()).toMatch(/password/i);
    expect(await page.getByLabel('Password', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(await listed()).toEqual([]);
    await check('import-wrong-password');
  });

  it('imports the PKCS#12 into the keychain and shows it with the right fields', async () => {
    await page.getByLabel('Password', { exact: true }).fill(P12_PASSWORD);
    await page.getByLabel('Label', { exact: true }).fill('alice laptop');
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.locator('.page-title', { hasText: 'alice laptop' }).waitFor();
    const [alice] = await listed();
    expect(alice).toMatchObject({ label: 'alice laptop', keyStore: { kind: 'keychain' } });
    expect(page.url()).toContain(`#/identities/${alice!.id}`);
    expect(await page.locator('[data-field=subject]').first().innerText()).toBe(alice!.subject);
    expect(await page.locator('[data-field=key-store]').first().getAttribute('data-kind')).toBe('Keychain');
    await page.locator('.chain-item').nth(1).waitFor();
    expect(await page.locator('.chain-item').count()).toBe(2);
    expect(await page.locator('.chain-item').first().locator('[data-field=eku]').innerText()).toContain('clientAuth');
    await check('identity-detail');
  });

  it('logs in to the SoftHSM token on the Tokens screen and imports a PKCS#12 onto it', async () => {
    await ui.goto('tokens');
    const slot = page.locator(`li[data-token="${bed.hsm.tokenLabel}"]`);
    await slot.getByRole('button', { name: 'Log in…' }).click();
    await page.getByRole('dialog').getByLabel('PIN').fill(bed.hsm.pin);
    await page.getByRole('dialog').getByRole('button', { name: 'Log in' }).click();
    await slot.locator('.badge', { hasText: 'Logged in' }).waitFor();
    await check('tokens');
    await ui.goto('import');
    await page.getByLabel('File', { exact: true }).setInputFiles(bed.bobP12);
    await page.getByLabel('Password', { exact: true }).fill(P12_PASSWORD);
    await page.getByLabel('Store the key in').selectOption(`pkcs11:${bed.hsm.tokenLabel}`);
    await page.getByLabel('Label', { exact: true }).fill('bob on token');
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.locator('.page-title', { hasText: 'bob on token' }).waitFor();
    expect(await page.locator('[data-field=key-store]').first().getAttribute('data-kind')).toBe('SoftHSM');
    expect(await page.locator('[data-field=where]').innerText()).toContain(bed.hsm.tokenLabel);
    const bob = (await listed()).find((i) => i.label === 'bob on token');
    expect(bob?.keyStore).toMatchObject({ kind: 'pkcs11', token: bed.hsm.tokenLabel });
  });

  it('an identity imported by the CLI while the page is open appears without a reload', async () => {
    await ui.goto('identities');
    await page.locator('tbody tr[data-id]').nth(1).waitFor();
    const marker = await page.evaluate(() => ((window as unknown as { e2eMarker: number }).e2eMarker = Math.random()));
    const carol = await bed.ca.issueClient({ cn: 'carol-e2e', ec: true });
    const imported = await cli(['import', carol.chainFile, '--key', carol.keyFile, '--label', 'carol from the CLI', '--json']);
    expect(imported.stderr).toBe('');
    const { id } = JSON.parse(imported.stdout) as { id: string };
    const row = page.locator(`tbody tr[data-id="${id}"]`);
    await row.waitFor({ timeout: 10_000 });
    expect(await row.locator('[data-field=label]').innerText()).toBe('carol from the CLI');
    expect(await page.evaluate(() => (window as unknown as { e2eMarker: number }).e2eMarker)).toBe(marker);
    await check('identities');
  });

  it('generates a key and CSR, then attaches the certificate the CA issued', async () => {
    await ui.goto('keygen');
    await page.getByLabel('Subject', { exact: true }).fill('CN=dave-e2e,O=Keyport');
    await page.getByLabel('Subject alternative names').fill('dave.example');
    await page.getByLabel('Label', { exact: true }).fill('dave keygen');
    await page.getByRole('button', { name: 'Generate key and CSR' }).click();
    const csr = await page.locator('[data-field=csr]').innerText();
    expect(csr).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----/);
    const keyId = await page.locator('[data-field=key-id]').innerText();
    await page.locator(`li[data-key-id="${keyId}"]`).waitFor();
    await check('keygen');
    const chain = await bed.ca.signCsr(csr);
    const chainFile = path.join(bed.files.path, 'dave-chain.pem');
    await writeFile(chainFile, chain);
    await page.locator(`li[data-key-id="${keyId}"] input[type=file]`).setInputFiles(chainFile);
    await page.locator(`li[data-key-id="${keyId}"]`).waitFor({ state: 'detached' });
    const dave = (await listed()).find((i) => i.subject.includes('CN=dave-e2e'));
    expect(dave).toBeDefined();
  });

  it('exports the chain from the detail view and removes an identity after confirmation', async () => {
    const dave = (await listed()).find((i) => i.subject.includes('CN=dave-e2e'))!;
    await ui.goto(`identities/${dave.id}`);
    await page.getByRole('button', { name: 'Export' }).click();
    const download = page.waitForEvent('download');
    await page.getByRole('menuitem', { name: /Certificate chain/ }).click();
    expect((await download).suggestedFilename()).toMatch(/\.pem$/);
    expect(await page.locator('[data-export]').innerText()).toMatch(/^-----BEGIN CERTIFICATE-----/);
    await page.getByRole('button', { name: 'Remove', exact: true }).click();
    const confirm = page.getByRole('alertdialog');
    await confirm.getByRole('button', { name: 'Remove identity' }).click();
    await page.locator('h1', { hasText: 'Identities' }).waitFor();
    expect((await listed()).map((i) => i.id)).not.toContain(dave.id);
  });

  it('a connection test against nginx passes with the keychain identity', async () => {
    const [alice] = (await listed()).filter((i) => i.label === 'alice laptop');
    await ui.goto(`test/${alice!.id}`);
    await runTest(page, bed.goodUrl, bed.ca.rootFile);
    await page.locator('.report[data-ok=true]').waitFor();
    expect(await page.locator('.step[data-step=handshake]').getAttribute('data-ok')).toBe('true');
    expect(await page.locator('.verdict-sub').innerText()).toContain('HTTP 200');
    await check('test-passed');
  });

  it('a connection test against a server that trusts another CA fails, with the diagnosis cards the report carries', async () => {
    const answer = page.waitForResponse((r) => r.url().endsWith('/api/connection.test'));
    await page.getByLabel('URL').fill(bed.refusingUrl);
    await page.getByRole('button', { name: 'Run test' }).click();
    const report = ((await (await answer).json()) as { value: { ok: boolean; steps: Array<{ ok: boolean }>; diagnoses?: Array<{ code: string }> } }).value;
    expect(report.ok).toBe(false);
    await page.locator('.report[data-ok=false]').waitFor();
    expect(await page.locator('.step[data-ok=false] .step-error').first().innerText()).not.toBe('');
    const cards = await page.locator('.diagnosis').evaluateAll((els) => els.map((el) => el.getAttribute('data-code')));
    expect(report.diagnoses?.length, 'the doctor explains the refusal').toBeGreaterThan(0);
    expect(cards).toEqual(report.diagnoses!.map((d) => d.code));
    expect(await page.locator('.diagnosis').first().locator('.diagnosis-fix').innerText()).not.toBe('Fix');
    await check('test-failed');
  });

  it('saves the endpoint and re-runs it with one click; the run joins its history', async () => {
    await page.getByRole('button', { name: 'Save as endpoint…' }).click();
    await page.getByRole('dialog').getByLabel('Name').fill('strict-nginx');
    await page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
    const saved = page.locator('li[data-endpoint="strict-nginx"]');
    await saved.waitFor();
    expect(await saved.locator('.history').getAttribute('data-runs')).toBe('0');
    const answer = page.waitForResponse((r) => r.url().endsWith('/api/endpoints.test'));
    await saved.getByRole('button', { name: 'Run strict-nginx' }).click();
    const rerun = ((await (await answer).json()) as { value: { ok: boolean; url: string } }).value;
    expect(rerun).toMatchObject({ ok: false, url: bed.refusingUrl });
    await saved.locator('.history[data-runs="1"]').waitFor();
    await page.locator('.report[data-ok=false]').waitFor();
    await check('test-endpoints');
  });

  it('a test with the token identity while the token is logged out raises the PIN prompt, then passes', async () => {
    await ui.goto('tokens');
    const slot = page.locator(`li[data-token="${bed.hsm.tokenLabel}"]`);
    await slot.getByRole('button', { name: 'Log out' }).click();
    await slot.getByRole('button', { name: 'Log in…' }).waitFor();
    const bob = (await listed()).find((i) => i.label === 'bob on token')!;
    await ui.goto(`test/${bob.id}`);
    await runTest(page, bed.goodUrl, bed.ca.rootFile);
    const dialog = page.getByRole('dialog', { name: 'PIN needed' });
    await dialog.waitFor();
    expect(await dialog.locator('[data-field=pin-token]').innerText()).toContain(bed.hsm.tokenLabel);
    await check('pin-prompt');
    await dialog.getByLabel('PIN').fill(bed.hsm.pin);
    await dialog.getByRole('button', { name: 'Unlock' }).click();
    await page.locator('.report[data-ok=true]').waitFor({ timeout: 30_000 });
    await dialog.waitFor({ state: 'detached' });
  });

  it('creates a proxy route, starts it, and curl-like traffic through it reaches nginx with the identity; the audit log shows it', async () => {
    const port = await freePort();
    await ui.goto('proxy');
    await page.getByLabel('Route name').fill('nginx-route');
    await page.getByLabel('Local port').fill(String(port));
    await page.getByLabel('Upstream (host:port)').fill(`127.0.0.1:${bed.nginx.port}`);
    const identity = page.getByLabel('Identity', { exact: true });
    // Options read "label — subject".
    await identity.selectOption((await identity.locator('option', { hasText: /^alice laptop — / }).getAttribute('value'))!);
    await page.getByLabel('Upstream CA file').setInputFiles(bed.ca.rootFile);
    await page.getByRole('button', { name: 'Add route' }).click();
    await page.locator('[data-route="nginx-route"]').waitFor();
    await page.getByRole('button', { name: 'Start routes' }).click();
    await page.locator('[data-field=proxy-state][data-running=true]').waitFor();
    const answer = await httpGet(`http://127.0.0.1:${port}${NGINX_WHOAMI_PATH}`);
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('alice-e2e');
    // proxy.stats pushes the counters: the request shows up without a reload.
    await expect.poll(() => page.locator('[data-stat=connections] .stat-value').innerText(), { timeout: 10_000 }).toBe('1');
    await check('proxy');
    await ui.goto('audit');
    // A session is logged when it ends; Refresh reads the log again.
    await expect
      .poll(async () => {
        await page.getByRole('button', { name: 'Refresh' }).click();
        return page.locator('tr[data-route="nginx-route"]').count();
      }, { timeout: 15_000 })
      .toBeGreaterThan(0);
    await check('audit');
    await ui.goto('proxy');
    await page.getByRole('button', { name: 'Stop routes' }).click();
    await page.locator('[data-field=proxy-state][data-running=false]').waitFor();
  });

  it('edits the route in a dialog prefilled from it (routes.update): it moves to a new port and still reaches nginx', async () => {
    const port = await freePort();
    await page.getByRole('button', { name: 'Edit route nginx-route' }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.getByLabel('Upstream (host:port)').inputValue()).toBe(`127.0.0.1:${bed.nginx.port}`);
    expect(await dialog.getByLabel('Identity', { exact: true }).locator('option:checked').innerText()).toMatch(/^alice laptop — /);
    // The route trusts a CA: saving needs the file chosen again.
    expect(await dialog.getByRole('button', { name: 'Save route' }).isDisabled()).toBe(true);
    await dialog.getByLabel('Local port').fill(String(port));
    await dialog.getByLabel('Upstream CA file for the edit').setInputFiles(bed.ca.rootFile);
    await check('proxy-edit-route');
    await dialog.getByRole('button', { name: 'Save route' }).click();
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => page.locator('[data-route="nginx-route"]').innerText()).toContain(`127.0.0.1:${port}`);
    expect((JSON.parse((await cli(['routes', 'list', '--json'])).stdout) as Array<{ name: string; listen: unknown }>).find((r) => r.name === 'nginx-route')?.listen).toEqual({ host: '127.0.0.1', port });
    await page.getByRole('button', { name: 'Start routes' }).click();
    await page.locator('[data-field=proxy-state][data-running=true]').waitFor();
    const answer = await httpGet(`http://127.0.0.1:${port}${NGINX_WHOAMI_PATH}`);
    expect(answer.body).toContain('alice-e2e');
    // A client that speaks TLS to the route (curl https://): the card says what failed and why.
    await tlsHello(port);
    const failures = page.locator('[data-field=route-failures] .error-text');
    await failures.waitFor({ timeout: 10_000 });
    expect(await failures.getAttribute('data-code')).toBe('KEYPORT_PROXY_CLIENT_SENT_TLS');
    expect(await failures.innerText()).toMatch(/^1 connection failed; the last at .*: The client started a TLS handshake, but Keyport listens in plain text/);
    await check('proxy-route-failure');
    await page.getByRole('button', { name: 'Stop routes' }).click();
    await page.locator('[data-field=proxy-state][data-running=false]').waitFor();
  });

  it('shows the forward proxy saved in proxy.yaml (read-only): its rules, its counters, and why a request was refused', async () => {
    const port = await freePort();
    const alice = (await listed()).find((i) => i.label === 'alice laptop')!;
    const file = path.join(bed.data.path, 'proxy.yaml');
    const forward = `httpProxy:\n  listen: 127.0.0.1:${port}\n  rules:\n    - host: localhost\n      identity: ${alice.id}\n      ca: ${bed.ca.rootFile}\n`;
    await writeFile(file, `${await readFile(file, 'utf8')}${forward}`);
    const card = page.locator(`[data-forward-proxy="127.0.0.1:${port}"]`);
    await card.waitFor({ timeout: 10_000 });
    await page.getByRole('button', { name: 'Start routes' }).click();
    await page.locator('[data-field=proxy-state][data-running=true]').waitFor();
    const answer = await httpGet(`http://localhost:${bed.nginx.port}${NGINX_WHOAMI_PATH}`, port);
    expect(answer.body).toContain('alice-e2e');
    expect((await httpGet('http://elsewhere.example/', port)).status).toBe(403);
    const failures = page.locator('.route-card', { has: card }).locator('[data-field=route-failures] .error-text');
    await failures.waitFor({ timeout: 10_000 });
    expect(await failures.getAttribute('data-code')).toBe('KEYPORT_PROXY_HOST_NOT_ROUTED');
    expect(await failures.innerText()).toMatch(/^1 request failed; the last at .*: Host elsewhere\.example matches no rule of this Keyport proxy/);
    await check('proxy-forward');
    await page.getByRole('button', { name: 'Stop routes' }).click();
    await page.locator('[data-field=proxy-state][data-running=false]').waitFor();
  });

  it("diagnoses a route from its card: the doctor's report on its upstream, as the route connects", async () => {
    const alice = (await listed()).find((i) => i.label === 'alice laptop')!;
    const port = await freePort();
    const added = await cli(['routes', 'add', `127.0.0.1:${port}=127.0.0.1:${bed.strictNginx.port},identity=${alice.id},ca=${bed.ca.rootFile},name=strict`]);
    expect(added.stderr).toBe('');
    await page.locator('[data-route="strict"]').waitFor({ timeout: 10_000 });
    const diagnosed = async (button: string) => {
      const answer = page.waitForResponse((r) => r.url().endsWith('/api/routes.diagnose'));
      await page.getByRole('button', { name: button }).click();
      return ((await (await answer).json()) as { value: { ok: boolean; diagnoses?: Array<{ code: string }> } }).value;
    };
    // nginx finishes the handshake and refuses the certificate in HTTP (400): the handshake alone passes.
    expect((await diagnosed('Diagnose route strict')).ok).toBe(true);
    const shown = page.locator('[data-field=route-diagnosis]');
    await shown.locator('.report[data-ok=true]').waitFor();
    const report = await diagnosed('Also send GET /');
    expect(report.ok, 'strictNginx trusts only the other CA').toBe(false);
    await shown.locator('.report[data-ok=false]').waitFor();
    expect(await shown.locator('.diagnosis').evaluateAll((els) => els.map((el) => el.getAttribute('data-code')))).toEqual(report.diagnoses!.map((d) => d.code));
    expect(report.diagnoses!.length).toBeGreaterThan(0);
    await page.locator('[data-route="strict"]').evaluate((el) => el.scrollIntoView({ block: 'start' })); // the card's head above its report
    await check('proxy-diagnosis');
    await shown.getByRole('button', { name: 'Close' }).click();
    await shown.waitFor({ state: 'detached' });
    expect((await cli(['routes', 'remove', 'strict'])).code).toBe(0);
    await page.locator('[data-route="strict"]').waitFor({ state: 'detached', timeout: 10_000 });
  });

  it('the Settings screen switches the theme, and nothing on any screen complained', async () => {
    await ui.goto('settings');
    await page.getByRole('radio', { name: 'Dark' }).click();
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await page.getByRole('radio', { name: 'System' }).click();
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme ?? 'system')).toBe('system');
    await check('settings');
    expect(ui.problems).toEqual([]);
  });
});

/** Fills the Test connection form (URL and one CA file) and runs it. */
async function runTest(page: Page, url: string, caFile: string): Promise<void> {
  await page.getByLabel('URL').fill(url);
  await page.getByLabel('CA files').setInputFiles(caFile);
  await page.getByRole('button', { name: 'Run test' }).click();
}

/** Starts a TLS handshake with whatever listens on `port`, as `curl https://` would; resolves once it ended. */
function tlsHello(port: number): Promise<void> {
  return new Promise((resolve) => {
    const s = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false });
    s.once('secureConnect', () => s.destroy());
    s.once('error', () => undefined);
    s.once('close', () => resolve());
  });
}

/** A plain HTTP GET, as curl through the route would do (or `curl -x` through the forward proxy on `proxyPort`). */
function httpGet(url: string, proxyPort?: number): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  const to = proxyPort ? { host: '127.0.0.1', port: proxyPort, path: url } : { host: u.hostname, port: u.port, path: `${u.pathname}${u.search}` };
  return new Promise((resolve, reject) => {
    http
      .get({ ...to, headers: { host: u.host }, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}
