/**
 * ACME renewal is a new order for the same names through the stored account: the same identity id,
 * a new serial, the old certificate in the history; with rekey a new key on the same token and the
 * old one deleted. Enrolled through the CLI, renewed through the core (AcmeService) on SoftHSM.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keyport } from '../../src/core/app';
import { softhsmBackend, type Backend } from '../identity/backends';
import { requireBackend } from '../testbed/backend';
import { runCli } from '../testbed/cli';
import { startPebble, PEBBLE_PROBE, type Pebble } from '../testbed/pebble';
import { tempDir, type TempDir } from '../testbed/proc';
import { tokenPrivateKeyIds } from './acme-stores';

const backends = [requireBackend('pebble', PEBBLE_PROBE), requireBackend('softhsm2')];

describe.skipIf(backends.some((b) => b.missing))('ACME renewal (pebble, SoftHSM)', () => {
  let pebble: Pebble;
  let hsm: Backend;
  let dir: TempDir;
  let keyport: Keyport;
  let id: string;

  const listed = async () => {
    const r = await runCli([...hsm.flags, 'list', '--json'], { dataDir: dir.path, env: hsm.env });
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout).find((i: { id: string }) => i.id === id);
  };
  const registry = async () => JSON.parse(await fs.readFile(path.join(dir.path, 'identities.json'), 'utf8'));

  beforeAll(async () => {
    [pebble, hsm, dir] = await Promise.all([startPebble(), softhsmBackend(), tempDir('acme-renew')]);
    const r = await runCli(
      [...hsm.flags, 'enroll', 'acme', '--directory', pebble.directory, '--ca', pebble.caFile, '--domain', 'renew.acme.test', '--to', hsm.to, '--http-port', String(pebble.httpPort), '--json'],
      { dataDir: dir.path, env: hsm.env },
    );
    expect(r.code, r.stderr).toBe(0);
    id = JSON.parse(r.stdout).id;
    keyport = new Keyport({
      dataDir: dir.path,
      pkcs11Modules: [hsm.flags[1]!],
      env: { ...process.env, ...hsm.env },
      pin: async () => hsm.env.KEYPORT_PIN!,
    });
  });
  afterAll(async () => {
    await keyport?.close();
    await Promise.all([pebble?.stop(), hsm?.stop()]);
    await dir?.remove();
  });

  it('renews: same id, new serial, same key, old certificate kept in the history', async () => {
    const before = await listed();
    const keyBefore = (await registry()).identities[0].key;
    const result = await keyport.acme.renew(id);
    expect(result).toMatchObject({ id, previousSerial: before.serial, rekeyed: false });
    expect(result.serial).not.toBe(before.serial);
    const after = await listed();
    expect(after).toMatchObject({ id, serial: result.serial, sans: ['DNS:renew.acme.test'], label: before.label });
    const [record] = (await registry()).identities;
    expect(record.key).toEqual(keyBefore);
    expect(record.history).toEqual([expect.objectContaining({ serial: before.serial, reason: 'renew', chain: expect.any(Array) })]);
    expect(await tokenPrivateKeyIds(hsm)).toContain(keyBefore.keyId);
  });

  it('rekeys: a new key on the same token, the old one deleted, still the same id', async () => {
    const before = (await registry()).identities[0];
    const result = await keyport.acme.renew(id, { rekey: true });
    expect(result).toMatchObject({ id, rekeyed: true });
    const after = (await registry()).identities[0];
    expect(after.id).toBe(id);
    expect(after.key.keyId).not.toBe(before.key.keyId);
    expect(after.key.token).toBe(before.key.token);
    // Exactly the new identity key and the account key are on the token: the old key is gone.
    expect((await tokenPrivateKeyIds(hsm)).sort()).toEqual([after.key.keyId, after.renewal.provider.accountKey.keyId].sort());
    expect(after.history.map((h: { reason: string }) => h.reason)).toEqual(['renew', 'rekey']);
    expect((await listed()).serial).toBe(result.serial);
  });

  it('refuses to renew an identity it does not know', async () => {
    await expect(keyport.acme.renew('nonexistent')).rejects.toMatchObject({ code: 'KEYPORT_NOT_FOUND' });
  });
});
