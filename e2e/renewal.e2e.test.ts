/**
 * "Renew now" end to end: an identity enrolled into the keychain from a real step-ca by the CLI,
 * opened in the UI (the one fixture: Electron where its binary exists, else `keyport serve` in
 * Chromium); the button asks step-ca for a new certificate and the detail view shows the new
 * serial, the same one `keyport list --json` reports. The Renewal screen: its empty state before
 * the enrollment, then the schedule (appearing without a reload), history and "Renew now".
 */
import { existsSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enroll, startEnrollBed, type EnrollBed } from '../test/enroll/bed';
import { keychainBackend, type Backend } from '../test/identity/backends';
import { requireBackend } from '../test/testbed/backend';
import { runCli } from '../test/testbed/cli';
import { tempDir, type TempDir } from '../test/testbed/proc';
import { STEP_CA_HINT, STEP_CA_PROBE } from '../test/testbed/step-ca';
import { CHROMIUM, electronBinary, launchKeyport, type KeyportUi } from './support/app';
import { checkScreen } from './support/screens';

const missing = [
  requireBackend('step-ca', STEP_CA_PROBE, STEP_CA_HINT),
  requireBackend('openssl'),
  requireBackend('keyring'),
  requireBackend('chromium', () => Boolean(electronBinary()) || existsSync(CHROMIUM) || `${CHROMIUM} not found (Debian package chromium)`),
].some((b) => b.missing);

describe.skipIf(missing)('renewal in the desktop UI against a real step-ca', () => {
  let bed: EnrollBed;
  let keychain: Backend;
  let data: TempDir;
  let ui: KeyportUi;
  let page: Page;
  let id: string;
  const listedSerial = async () => {
    const r = await runCli(['list', '--json'], { dataDir: data.path, env: keychain.env });
    expect(r.code, r.stderr).toBe(0);
    return (JSON.parse(r.stdout) as Array<{ id: string; serial: string }>).find((i) => i.id === id)?.serial;
  };
  const shownSerial = () => page.locator('[data-field="serial"]').innerText();

  beforeAll(async () => {
    [bed, keychain, data] = await Promise.all([startEnrollBed({ certDuration: '10m' }), keychainBackend(), tempDir('ui-renewal-data')]);
    ui = await launchKeyport({ dataDir: data.path, env: keychain.env, viewport: { width: 1280, height: 800 } });
    page = ui.page;
  }, 120_000);

  afterAll(async () => {
    await ui?.close();
    await Promise.all([bed?.stop(), keychain?.stop()]);
    await data?.remove();
  });

  it('the Renewal screen first says how to set renewal up, then shows an enrolled identity without a reload', async () => {
    await ui.goto('renewal');
    const empty = page.locator('.empty-state');
    await expect.poll(() => empty.innerText()).toContain('No automatic renewal yet');
    expect(await empty.innerText()).toContain('keyport renewal set');
    expect(await checkScreen(page, 'renewal-empty'), 'axe on the empty Renewal screen').toEqual([]);
    id = await enroll(bed, keychain, data.path, 'renew-e2e.example');
    const card = page.locator('.schedule-card').filter({ has: page.locator(`[data-renewal="${id}"]`) });
    await card.waitFor({ timeout: 15_000 });
    expect(await card.innerText()).toContain(bed.stepCa.url);
    expect(await card.innerText()).toContain('Scheduled');
    expect(await card.locator('[data-field="next-run"]').innerText()).not.toBe('—');
  });

  it('"Renew now" on the identity gets a new serial from step-ca and shows it', async () => {
    await ui.goto(`identities/${id}`);
    const before = (await shownSerial()).trim();
    expect(before).toBe(await listedSerial());
    await page.getByRole('button', { name: 'Renew now' }).click();
    await expect.poll(async () => (await shownSerial()).trim(), { timeout: 30_000 }).not.toBe(before);
    const after = (await shownSerial()).trim();
    expect(after).toBe(await listedSerial());
    await expect.poll(() => page.locator('[data-field="renewal-history"]').innerText()).toContain(before);
  });

  it('"Renew now" on the Renewal screen renews again and lists both retired serials', async () => {
    const first = await listedSerial();
    await ui.goto('renewal');
    await page.getByRole('button', { name: 'Renew now: renew-e2e.example' }).click();
    await expect.poll(listedSerial, { timeout: 30_000 }).not.toBe(first);
    const history = page.locator('[data-field="schedule-history"] tbody tr');
    await expect.poll(() => history.count()).toBe(2);
    expect(await history.first().innerText()).toContain(first!);
    // The success toasts would cover the schedule in the shot.
    await expect.poll(async () => {
      await page.locator('.toast-close').first().click({ timeout: 1000 }).catch(() => undefined);
      return page.locator('.toast').count();
    }).toBe(0);
    expect(await checkScreen(page, 'renewal'), 'axe on the Renewal screen').toEqual([]);
    expect(ui.problems).toEqual([]);
  });
});
