/**
 * tokens.changed for a real card event: `keyport serve` on OpenSC with a virtual reader (pcscd +
 * vpcd, see test/testbed/smartcard.ts); inserting the emulated card and taking it out again is
 * announced on the event stream, and tokens.list then shows it, without the page polling.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBackend } from '../testbed/backend';
import { tempDir, waitUntil, type TempDir } from '../testbed/proc';
import { createVirtualReader, SMARTCARD_PROBE, type VirtualReader } from '../testbed/smartcard';
import { startServe, type ServeProcess } from './serve-process';

const missing = requireBackend('smartcard', SMARTCARD_PROBE, 'install pcscd vsmartcard-vpcd vsmartcard-vpicc python3-virtualsmartcard python3-pycryptodome opensc').missing;

type Slots = Array<{ slots: Array<{ description: string; tokenPresent: boolean; unrecognized?: boolean }> }>;

describe.skipIf(missing)('token events from a virtual card reader', () => {
  let tmp: TempDir;
  let reader: VirtualReader;
  let serve: ServeProcess;
  const firstSlot = async () => ((await serve.call('tokens.list')).value as Slots)[0]?.slots[0];

  beforeAll(async () => {
    tmp = await tempDir('token-events');
    reader = await createVirtualReader();
    serve = await startServe(tmp.path, { ...reader.env, KEYPORT_PKCS11_MODULES: reader.module }, [], reader.wrap);
    await waitUntil(async () => (await firstSlot())?.description.startsWith('Virtual PCD') ?? false, { what: 'the virtual reader in tokens.list', timeoutMs: 10_000 });
  }, 30_000);

  afterAll(async () => {
    await serve?.stop();
    await reader?.stop();
    await tmp?.remove();
  });

  it('announces a card put into the reader and taken out again', async () => {
    expect(await firstSlot()).toMatchObject({ tokenPresent: false });
    let from = serve.events.length;
    await reader.insert();
    await serve.waitForEvent('tokens.changed', () => true, { from, timeoutMs: 10_000 });
    await waitUntil(async () => (await firstSlot())?.tokenPresent === true, { what: 'the card in tokens.list' });
    // vicc's plain ISO 7816 card has no PKCS#15 application: OpenSC sees a card it cannot use.
    expect(await firstSlot()).toMatchObject({ tokenPresent: true, unrecognized: true });

    from = serve.events.length;
    await reader.remove();
    await serve.waitForEvent('tokens.changed', () => true, { from, timeoutMs: 10_000 });
    expect(await firstSlot()).toMatchObject({ tokenPresent: false });
  });
});
