/**
 * ACME renewal is a new order for the same names through the stored account, run by `keyport renew`
 * (the renewal service delegates ACME identities to the ACME service): the same identity id, a new
 * serial, the old certificate in the history; with --rekey a new key in the same store and the old
 * one deleted. Keychain (gnome-keyring) and SoftHSM, against pebble.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliStores, type StoreName } from '../cli/cli-stores';
import { requireBackend } from '../testbed/backend';
import { startPebble, PEBBLE_PROBE, type Pebble } from '../testbed/pebble';
import { freePort } from '../testbed/proc';
import { expectRefused, keyCount, tokenPrivateKeyIds } from './acme-stores';

const backends = [requireBackend('pebble', PEBBLE_PROBE), requireBackend('keyring'), requireBackend('softhsm2')];

describe.skipIf(backends.some((b) => b.missing))('keyport renew of ACME identities (pebble)', () => {
  let stores: CliStores;
  let pebble: Pebble;
  const ids: Partial<Record<StoreName, string>> = {};

  const registry = async (name: StoreName) => JSON.parse(await fs.readFile(path.join(stores[name].dataDir.path, 'identities.json'), 'utf8'));
  const listed = async (name: StoreName) => (await stores.json(name, ['list'])).find((i: { id: string }) => i.id === ids[name]);

  beforeAll(async () => {
    [stores, pebble] = await Promise.all([CliStores.start('acme-renew'), startPebble()]);
    for (const name of ['keychain', 'softhsm'] as const) {
      const args = ['enroll', 'acme', '--directory', pebble.directory, '--ca', pebble.caFile, '--domain', `renew.${name}.acme.test`, '--to', stores.to(name), '--http-port', String(pebble.httpPort)];
      ids[name] = (await stores.json(name, args)).id;
    }
  });
  afterAll(async () => {
    await Promise.all([stores?.stop(), pebble?.stop()]);
  });

  it.each(['keychain', 'softhsm'] as const)('renews in the %s: same id, new serial, same key, old certificate in the history', async (name) => {
    const before = await listed(name);
    const keyBefore = (await registry(name)).identities[0].key;
    const keys = await keyCount(stores[name]);
    const result = await stores.json(name, ['renew', ids[name]!]);
    expect(result).toMatchObject({ id: ids[name], previousSerial: before.serial, rekeyed: false });
    expect(result.serial).not.toBe(before.serial);
    expect(await listed(name)).toMatchObject({ id: ids[name], serial: result.serial, notAfter: result.notAfter, sans: [`DNS:renew.${name}.acme.test`], label: before.label });
    const [record] = (await registry(name)).identities;
    expect(record.key).toEqual(keyBefore);
    expect(record.history).toEqual([expect.objectContaining({ serial: before.serial, reason: 'renew' })]);
    expect(record.renewal.state).toMatchObject({ failures: 0, lastSuccessAt: expect.any(String) });
    expect((await registry(name)).operations).toEqual([]);
    expect(await keyCount(stores[name]), 'no key made or lost').toBe(keys);
    const view = await stores.json(name, ['renewal', 'show', ids[name]!]);
    expect(view).toMatchObject({ id: ids[name], provider: { kind: 'acme', directory: pebble.directory }, nextRunAt: expect.any(String) });
    expect(view.history.map((h: { serial: string }) => h.serial)).toEqual([before.serial]);
  });

  it('rekeys on SoftHSM: a new key on the same token, the old one deleted, still the same id', async () => {
    const before = (await registry('softhsm')).identities[0];
    const result = await stores.json('softhsm', ['renew', ids.softhsm!, '--rekey']);
    expect(result).toMatchObject({ id: ids.softhsm, rekeyed: true });
    const after = (await registry('softhsm')).identities[0];
    expect(after.id).toBe(ids.softhsm);
    expect(after.key.keyId).not.toBe(before.key.keyId);
    expect(after.key.token).toBe(before.key.token);
    // Exactly the new identity key and the account key are on the token: the old key is gone.
    expect((await tokenPrivateKeyIds(stores.softhsm.backend)).sort()).toEqual([after.key.keyId, after.renewal.provider.accountKey.keyId].sort());
    expect(after.history.map((h: { reason: string }) => h.reason)).toEqual(['renew', 'rekey']);
    expect((await registry('softhsm')).operations, 'the journal is closed').toEqual([]);
    expect((await listed('softhsm')).serial).toBe(result.serial);
  });

  it('a renewal whose challenge fails changes nothing and leaves no key', async () => {
    const file = path.join(stores.softhsm.dataDir.path, 'identities.json');
    const text = await fs.readFile(file, 'utf8');
    const doc = JSON.parse(text);
    // Point the identity's http-01 at a port pebble does not validate on (as if the CA moved).
    let port = await freePort();
    while (port === pebble.httpPort) port = await freePort();
    doc.identities[0].renewal.provider.httpPort = port;
    await fs.writeFile(file, `${JSON.stringify(doc, null, 2)}\n`);
    const keys = await keyCount(stores.softhsm);
    const error = await expectRefused(stores, stores.softhsm, ['renew', ids.softhsm!, '--rekey'], 'KEYPORT_ACME_CHALLENGE_FAILED', 7);
    expect(error.message).toMatch(/^The ACME server could not validate renew\.softhsm\.acme\.test with http-01/);
    expect(await keyCount(stores.softhsm)).toBe(keys);
    await fs.writeFile(file, text);
  });

  it('re-registers the same account key once when the CA has forgotten the account', async () => {
    const before = (await registry('softhsm')).identities[0];
    await pebble.restart();
    const result = await stores.json('softhsm', ['renew', ids.softhsm!]);
    expect(result).toMatchObject({ id: ids.softhsm, rekeyed: false });
    expect(pebble.log(), 'a newAccount after the restart').toMatch(/POST \/sign-me-up/);
    const after = (await registry('softhsm')).identities[0];
    expect(after.renewal.provider.accountKey, 'the same account key').toEqual(before.renewal.provider.accountKey);
    expect(after.renewal.provider.accountUrl, 'the new account URL is stored').not.toBe(before.renewal.provider.accountUrl);
  });
});
