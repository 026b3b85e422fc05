/**
 * ACME with both keys on a TPM (swtpm + tpm2-abrmd + tpm2-pkcs11): every JWS pebble verifies is an
 * ES256 signature made by the TPM (raw r‖s from the module, DER from the store, r‖s again in the JWS),
 * the CSR too; then a renewal through the same TPM account key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tpmBackend, type Backend } from '../identity/backends';
import { requireBackend } from '../testbed/backend';
import { runCli } from '../testbed/cli';
import { startPebble, PEBBLE_PROBE, type Pebble } from '../testbed/pebble';
import { tempDir, type TempDir } from '../testbed/proc';
import { tokenPrivateKeyIds } from './acme-stores';

const backends = [requireBackend('pebble', PEBBLE_PROBE), requireBackend('tpm')];

describe.skipIf(backends.some((b) => b.missing))('ACME with the keys on a TPM (pebble)', () => {
  let pebble: Pebble;
  let tpm: Backend;
  let dir: TempDir;

  beforeAll(async () => {
    [pebble, tpm, dir] = await Promise.all([startPebble(), tpmBackend(), tempDir('acme-tpm')]);
  });
  afterAll(async () => {
    await Promise.all([pebble?.stop(), tpm?.stop()]);
    await dir?.remove();
  });

  const cli = async (args: string[]) => {
    const r = await runCli([...tpm.flags, ...args, '--json'], { dataDir: dir.path, env: tpm.env, timeoutMs: 120_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout);
  };

  it('enrolls and renews with the account key and the identity key on the TPM', async () => {
    const { id } = await cli(['enroll', 'acme', '--directory', pebble.directory, '--ca', pebble.caFile, '--domain', 'tpm.acme.test', '--to', tpm.to, '--http-port', String(pebble.httpPort)]);
    const [shown] = await cli(['list']);
    expect(shown).toMatchObject({ id, sans: ['DNS:tpm.acme.test'], keyAlgorithm: 'EC-P256', keyStore: { kind: 'pkcs11' } });
    expect(await tokenPrivateKeyIds(tpm)).toHaveLength(2);
    const renewed = await cli(['renew', id]);
    expect(renewed).toMatchObject({ id, previousSerial: shown.serial, rekeyed: false });
    expect(renewed.serial).not.toBe(shown.serial);
  });
});
