/**
 * `kill -9` (KEYPORT_TEST_CRASH_AT, src/core/enroll/crash-point.ts) of `keyport enroll acme` and
 * `keyport renew --rekey` at the steps between which the state differs, on SoftHSM against pebble: afterwards `keyport list` is
 * consistent, the next command finishes or undoes the interrupted operation, and the token holds
 * exactly the keys the registry knows (identity keys and ACME account keys): no orphan.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { softhsmBackend, type Backend } from '../identity/backends';
import { requireBackend } from '../testbed/backend';
import { runCli } from '../testbed/cli';
import { startPebble, PEBBLE_PROBE, type Pebble } from '../testbed/pebble';
import { tempDir, type TempDir } from '../testbed/proc';
import { registryKeyRefs, tokenPrivateKeyIds } from './acme-stores';

const backends = [requireBackend('pebble', PEBBLE_PROBE), requireBackend('softhsm2')];

describe.skipIf(backends.some((b) => b.missing))('kill -9 during ACME enrollment and rekey (pebble, SoftHSM)', () => {
  let pebble: Pebble;
  let hsm: Backend;
  let dir: TempDir;
  let n = 0;

  beforeAll(async () => {
    [pebble, hsm, dir] = await Promise.all([startPebble(), softhsmBackend(), tempDir('acme-crash')]);
  });
  afterAll(async () => {
    await Promise.all([pebble?.stop(), hsm?.stop()]);
    await dir?.remove();
  });

  const cli = (args: string[], crashAt?: string) =>
    runCli([...hsm.flags, ...args], { dataDir: dir.path, env: { ...hsm.env, ...(crashAt ? { KEYPORT_TEST_CRASH_AT: crashAt } : {}) } });
  const enrollArgs = () => ['enroll', 'acme', '--directory', pebble.directory, '--ca', pebble.caFile, '--domain', `crash${++n}.acme.test`, '--to', hsm.to, '--http-port', String(pebble.httpPort), '--json'];

  /** The registry and the token agree: every private key on the token is an identity or account key, and vice versa. */
  async function expectConsistent(): Promise<void> {
    const list = await cli(['list', '--json']);
    expect(list.code, list.stderr).toBe(0);
    const registry = JSON.parse(await fs.readFile(path.join(dir.path, 'identities.json'), 'utf8'));
    expect(registry.operations).toEqual([]);
    const known = (await registryKeyRefs(dir.path)).map((k) => k.keyId).sort();
    expect((await tokenPrivateKeyIds(hsm)).sort()).toEqual(known);
  }

  // The points where a different amount of state exists (the other points fall between these).
  it.each(['after-keygen', 'after-ca'])('enroll killed %s: the next enrollment undoes it', async (point) => {
    const crashed = await cli(enrollArgs(), point);
    expect(crashed.code, `killed at ${point}: ${crashed.stderr}`).toBe(-1);
    const next = await cli(enrollArgs());
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).toMatch(/^keyport: undid enroll op[0-9a-f]+ interrupted before it committed: deleted [12] new key\(s\)\n$/);
    await expectConsistent();
  });

  it.each(['after-ca', 'mid-write', 'before-retire'])('renew --rekey killed %s: one usable identity, the next renewal finishes or undoes it', async (point) => {
    const { id } = JSON.parse((await cli(enrollArgs())).stdout);
    const crashed = await cli(['renew', id, '--rekey', '--json'], point);
    expect(crashed.code, `killed at ${point}: ${crashed.stderr}`).toBe(-1);
    // The next renewal recovers first (its stderr says how), then renews the one identity.
    const next = await cli(['renew', id, '--json']);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).toMatch(point === 'before-retire' ? /finished rekey .*retired the previous key/ : /rekey op[0-9a-f]+/);
    expect(JSON.parse(next.stdout)).toMatchObject({ id, rekeyed: false });
    await expectConsistent();
  });
});
