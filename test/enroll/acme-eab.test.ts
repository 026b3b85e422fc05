/**
 * External account binding against a pebble that requires it: the right kid and MAC key enroll;
 * none, a wrong MAC key or an unknown kid are refused in one sentence, with the registry untouched
 * and no key (identity or account) left on the token.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { softhsmBackend, type Backend } from '../identity/backends';
import { errorOf } from '../cli/cli-stores';
import { requireBackend } from '../testbed/backend';
import { runCli } from '../testbed/cli';
import { startPebble, PEBBLE_PROBE, type Pebble } from '../testbed/pebble';
import { tempDir, type TempDir } from '../testbed/proc';
import { expectNothingStored, keyCount } from './acme-stores';

const backends = [requireBackend('pebble', PEBBLE_PROBE), requireBackend('softhsm2')];

describe.skipIf(backends.some((b) => b.missing))('ACME external account binding (pebble, SoftHSM)', () => {
  const macKey = randomBytes(32).toString('base64url');
  let pebble: Pebble;
  let hsm: Backend;
  let dir: TempDir;

  beforeAll(async () => {
    [pebble, hsm, dir] = await Promise.all([
      startPebble({ eabRequired: true, eabKeys: { 'kid-1': macKey } }),
      softhsmBackend(),
      tempDir('acme-eab'),
    ]);
    await fs.writeFile(path.join(dir.path, 'mac.txt'), `${macKey}\n`);
    await fs.writeFile(path.join(dir.path, 'wrong.txt'), `${randomBytes(32).toString('base64url')}\n`);
  });
  afterAll(async () => {
    await Promise.all([pebble?.stop(), hsm?.stop()]);
    await dir?.remove();
  });

  const store = () => ({ name: 'softhsm' as const, backend: hsm, dataDir: dir });
  const enroll = (dataDir: string, domain: string, eab: string[]) =>
    runCli(
      [...hsm.flags, 'enroll', 'acme', '--directory', pebble.directory, '--ca', pebble.caFile, '--domain', domain, '--to', hsm.to, '--http-port', String(pebble.httpPort), ...eab, '--json'],
      { dataDir, env: hsm.env },
    );

  it('enrolls with the CA-issued kid and MAC key', async () => {
    const data = path.join(dir.path, 'ok');
    const r = await enroll(data, 'eab.acme.test', ['--eab-kid', 'kid-1', '--eab-hmac-file', path.join(dir.path, 'mac.txt')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { id } = JSON.parse(r.stdout);
    const registry = JSON.parse(await fs.readFile(path.join(data, 'identities.json'), 'utf8'));
    expect(registry.identities.map((i: { id: string }) => i.id)).toEqual([id]);
    // The MAC key is used once and never stored.
    expect(await fs.readFile(path.join(data, 'identities.json'), 'utf8')).not.toContain(macKey);
  });

  it.each([
    ['no binding', [], 'KEYPORT_ACME_EAB_REQUIRED', 2, /requires an external account binding: pass the key id and MAC key your CA gave you with --eab-kid K --eab-hmac-file F\.$/],
    ['a wrong MAC key', ['--eab-kid', 'kid-1', '--eab-hmac-file', 'wrong.txt'], 'KEYPORT_ACME_EAB_REFUSED', 4, /^The ACME server refused the external account binding for key id "kid-1" \(.+\); check --eab-kid and the MAC key in --eab-hmac-file\.$/],
    ['an unknown kid', ['--eab-kid', 'kid-9', '--eab-hmac-file', 'mac.txt'], 'KEYPORT_ACME_EAB_REFUSED', 4, /key id "kid-9"/],
    ['a kid without its MAC key', ['--eab-kid', 'kid-1'], 'KEYPORT_INVALID_ARGUMENT', 2, /^External account binding needs both --eab-kid K and --eab-hmac-file F\.$/],
  ] as const)('refuses %s: one sentence, nothing stored, no key left', async (_what, eab, code, exit, message) => {
    const data = path.join(dir.path, `refused-${code}-${exit}-${eab.length}`);
    const before = await keyCount(store());
    const args = eab.map((a) => (a.endsWith('.txt') ? path.join(dir.path, a) : a));
    const r = await enroll(data, 'refused.acme.test', args);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(errorOf(r)).toMatchObject({ code });
    expect(errorOf(r).message).toMatch(message);
    expect(r.code).toBe(exit);
    await expectNothingStored(data, undefined);
    expect(await keyCount(store())).toBe(before);
  });
});
