/**
 * `keyport daemon` renews an ACME identity before it expires, without any command: pebble issues
 * 20-second certificates, the scheduler (renewal helper's) reaches the ACME service through the
 * renewal service's delegate, and the identity keeps its id with a new serial. SoftHSM.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { softhsmBackend, type Backend } from '../identity/backends';
import { requireBackend } from '../testbed/backend';
import { CLI_BUNDLE, runCli } from '../testbed/cli';
import { startPebble, PEBBLE_PROBE, type Pebble } from '../testbed/pebble';
import { startProcess, tempDir, waitUntil, type TempDir } from '../testbed/proc';

const backends = [requireBackend('pebble', PEBBLE_PROBE), requireBackend('softhsm2')];
const LIFETIME_S = 20;

describe.skipIf(backends.some((b) => b.missing))('keyport daemon renews ACME identities (pebble, SoftHSM)', () => {
  let pebble: Pebble;
  let hsm: Backend;
  let dir: TempDir;

  beforeAll(async () => {
    [pebble, hsm, dir] = await Promise.all([startPebble({ validitySeconds: LIFETIME_S }), softhsmBackend(), tempDir('acme-daemon')]);
  });
  afterAll(async () => {
    await Promise.all([pebble?.stop(), hsm?.stop()]);
    await dir?.remove();
  });

  it('renews before expiry: same id, new serial, one log line for it', async () => {
    const args = ['enroll', 'acme', '--directory', pebble.directory, '--ca', pebble.caFile, '--domain', 'daemon.acme.test', '--to', hsm.to, '--http-port', String(pebble.httpPort), '--json'];
    const enrolled = await runCli([...hsm.flags, ...args], { dataDir: dir.path, env: hsm.env });
    expect(enrolled.code, enrolled.stderr).toBe(0);
    const { id } = JSON.parse(enrolled.stdout);
    const registry = async () => JSON.parse(await fs.readFile(path.join(dir.path, 'identities.json'), 'utf8')).identities[0];
    const first = (await registry()).chain[0];
    const daemon = await startProcess(process.execPath, [CLI_BUNDLE, '--data-dir', dir.path, ...hsm.flags, 'daemon', '--tick', '1'], {
      env: hsm.env,
      ready: { line: /started pid=/ },
    });
    try {
      await waitUntil(async () => (await registry()).chain[0] !== first, { timeoutMs: LIFETIME_S * 1000, intervalMs: 250, what: 'the daemon to renew the identity', proc: daemon });
      const record = await registry();
      expect(record.id).toBe(id);
      expect(record.history).toHaveLength(1);
      expect(new Date(record.history[0].notAfter).getTime(), 'renewed before the old certificate expired').toBeGreaterThan(Date.parse(record.history[0].retiredAt));
    } finally {
      await daemon.stop();
    }
    const renewed = daemon.output().split('\n').filter((l) => / renewed /.test(l));
    expect(renewed).toHaveLength(1);
    expect(renewed[0]).toContain(`renewed id="${id}" serial=`);
    expect(renewed[0]).toContain('rekeyed=false');
  });
});
