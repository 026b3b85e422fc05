/**
 * Live insert and remove on the Tokens screen: a virtual reader (pcscd + vsmartcard's vpcd, vicc
 * as the card; test/testbed/smartcard.ts) behind OpenSC, `keyport serve` in the reader's
 * namespace, and the page open on Tokens. The card goes in and comes out; the slot follows
 * without a reload (tokens.changed). vicc's card has no PKCS#11 application, so the slot says
 * the card is there but unusable, which is what a user with a foreign card should read.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBackend } from '../test/testbed/backend';
import { tempDir, type TempDir } from '../test/testbed/proc';
import { createVirtualReader, SMARTCARD_PROBE, type VirtualReader } from '../test/testbed/smartcard';
import { CHROMIUM, launchKeyport, type KeyportUi } from './support/app';
import { checkScreen } from './support/screens';

const missing =
  requireBackend('smartcard', SMARTCARD_PROBE).missing ||
  requireBackend('chromium', () => existsSync(CHROMIUM) || `${CHROMIUM} not found (Debian package chromium)`).missing;

// The reader lives in a mount namespace that only a wrapped `keyport serve` can enter, so this
// file always runs serve + Chromium (the fixture takes that path for a wrapped launch).
describe.skipIf(missing)('a smartcard inserted and removed while the Tokens screen is open', () => {
  let reader: VirtualReader;
  let data: TempDir;
  let ui: KeyportUi;

  beforeAll(async () => {
    [reader, data] = await Promise.all([createVirtualReader(), tempDir('ui-card')]);
    ui = await launchKeyport({
      dataDir: data.path,
      env: { ...reader.env, KEYPORT_PKCS11_MODULES: reader.module },
      wrap: reader.wrap,
      viewport: { width: 1280, height: 800 },
    });
  }, 120_000);

  afterAll(async () => {
    await ui?.close();
    await reader?.stop();
    await data?.remove();
  });

  it('shows the card when it goes in and the empty reader when it comes out, without a reload', async () => {
    const page = ui.page;
    await ui.goto('tokens');
    const first = page.locator('.module-card li[data-slot]').first();
    await first.waitFor();
    // vpcd offers two readers and OpenSC may list the second one at any time: follow the first by its id.
    const slot = page.locator(`.module-card li[data-slot="${await first.getAttribute('data-slot')}"]`);
    expect(await slot.getAttribute('data-present')).toBe('false');
    expect(await slot.locator('.cell-title').innerText()).toBe('Empty reader');
    const marker = await page.evaluate(() => ((window as unknown as { e2eMarker: number }).e2eMarker = Math.random()));
    await reader.insert();
    await slot.and(page.locator('[data-present=true]')).waitFor({ timeout: 30_000 });
    expect(await slot.locator('.cell-title').innerText()).toBe('A card this module cannot use');
    expect(await checkScreen(page, 'tokens-card-inserted')).toEqual([]);
    await reader.remove();
    await slot.and(page.locator('[data-present=false]')).waitFor({ timeout: 30_000 });
    expect(await page.evaluate(() => (window as unknown as { e2eMarker: number }).e2eMarker)).toBe(marker);
    expect(ui.problems).toEqual([]);
  });
});
