/**
 * Bad input and refusals of enrollment and renewal: one sentence with a stable code and exit code,
 * and nothing stored (no identity, no journal entry, no trust bundle) — a bad token file, a token
 * step-ca refuses (already used), an identity without renewal settings, `renewal set` for an identity
 * another CA issued; and an identity renewed by
 * hand (`renewal set --manual`) only gets reminders from the daemon. Also a crash just after a keychain
 * key is made: the journal knew its id, so the next start deletes it.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keychainBackend, type Backend } from '../identity/backends';
import { requireBackend } from '../testbed/backend';
import { createTestCa } from '../testbed/ca';
import { tempDir, type TempDir } from '../testbed/proc';
import { STEP_CA_HINT, STEP_CA_PROBE } from '../testbed/step-ca';
import { cli, json, startDaemon, startEnrollBed, type EnrollBed } from './bed';

const missing = [requireBackend('step-ca', STEP_CA_PROBE, STEP_CA_HINT), requireBackend('keyring'), requireBackend('openssl')].some((b) => b.missing);

describe.skipIf(missing)('enrollment refusals and manual renewal', () => {
  let bed: EnrollBed;
  let b: Backend;
  let data: TempDir;
  beforeAll(async () => {
    [bed, b, data] = await Promise.all([startEnrollBed({ certDuration: '10m' }), keychainBackend(), tempDir('enroll-refusals')]);
  }, 60_000);
  afterAll(async () => {
    await b?.stop();
    await data?.remove();
    await bed?.stop();
  });

  const registryFile = (): string => path.join(data.path, 'identities.json');
  const enrollArgs = (tokenFile: string): string[] => ['enroll', 'step-ca', '--ca-url', bed.stepCa.url, '--root', bed.ca.rootFile, '--token-file', tokenFile, '--to', 'keychain', '--json'];

  async function refused(args: string[], code: string, exit: number): Promise<string> {
    const before = await readFile(registryFile()).catch(() => undefined);
    const r = await cli(b, data.path, args);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines, 'one line').toHaveLength(1);
    const error = JSON.parse(lines[0]!).error;
    expect(error.code).toBe(code);
    expect(r.code).toBe(exit);
    const after = await readFile(registryFile()).catch(() => undefined);
    if (before === undefined) expect(after).toBeUndefined();
    else expect(after!.equals(before), 'registry unchanged').toBe(true);
    return error.message;
  }

  it('refuses a token file that holds no token, before anything is stored', async () => {
    const file = path.join(bed.scratch.path, 'not-a-token');
    await writeFile(file, 'hello\n');
    expect(await refused(enrollArgs(file), 'KEYPORT_INVALID_ARGUMENT', 2)).toMatch(/does not hold a step-ca token/);
    expect(existsSync(path.join(data.path, 'trust')), 'no trust bundle written').toBe(false);
  });

  it('a token step-ca refuses (already used) leaves no identity, no journal entry and no key', async () => {
    const token = await bed.tokenFile('once.example');
    const first = await json(b, data.path, enrollArgs(token).slice(0, -1));
    const before = JSON.parse(await readFile(registryFile(), 'utf8'));
    const message = await refused(enrollArgs(token), 'KEYPORT_ENROLL_REFUSED', 7);
    expect(message).toMatch(/step-ca refused POST \/1\.0\/sign .*fresh one-time token/);
    const after = JSON.parse(await readFile(registryFile(), 'utf8'));
    expect(after.identities.map((i: { id: string }) => i.id)).toEqual([first.id]);
    expect(after.operations).toEqual([]);
    expect(after).toEqual(before);
  });

  it('a crash right after a keychain key is made: the next start deletes it (its id was journaled first)', async () => {
    const before = JSON.parse(await readFile(registryFile(), 'utf8')).identities.length;
    const r = await cli(b, data.path, enrollArgs(await bed.tokenFile('crash.example')), { KEYPORT_TEST_CRASH_AT: 'key-unrecorded' });
    expect(r.code).toBe(-1);
    const [op] = JSON.parse(await readFile(registryFile(), 'utf8')).operations;
    expect(op.newKeys).toHaveLength(1);
    expect(await b.holdsKey(op.newKeys[0]), 'the key was made').toBe(true);
    const refresh = await cli(b, data.path, ['roots', 'refresh', '--json']);
    expect(refresh.stderr).toMatch(/undid enroll .*deleted 1 new key/);
    expect(await b.holdsKey(op.newKeys[0]), 'and is gone').toBe(false);
    const after = JSON.parse(await readFile(registryFile(), 'utf8'));
    expect(after.operations).toEqual([]);
    expect(after.identities).toHaveLength(before);
  });

  it('an identity without renewal settings: renew says how to set them; --manual gets reminders only', async () => {
    const issued = await bed.ca.issueClient({ cn: 'manual.example', ec: true, days: 1 });
    const { id } = await json(b, data.path, ['import', issued.chainFile, '--key', issued.keyFile]);
    expect(await refused(['renew', id, '--json'], 'KEYPORT_RENEWAL_NOT_CONFIGURED', 3)).toMatch(/keyport renewal set/);
    const other = await createTestCa({ ec: true });
    try {
      const foreign = await other.issueClient({ cn: 'foreign.example', ec: true });
      const { id: foreignId } = await json(b, data.path, ['import', foreign.chainFile, '--key', foreign.keyFile]);
      const setArgs = ['renewal', 'set', foreignId, '--step-ca', bed.stepCa.url, '--root', bed.ca.rootFile, '--json'];
      expect(await refused(setArgs, 'KEYPORT_ENROLL_CHAIN_INVALID', 1)).toMatch(/not issued under the roots of/);
    } finally {
      await other.stop();
    }
    await json(b, data.path, ['renewal', 'set', id, '--manual', '--notify-before', '7d,2d,1h']);
    const show = await cli(b, data.path, ['renewal', 'show', id]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(/manual, renew at 66% .*\n.*next run none \(reminders only\)/);
    const daemon = await startDaemon(b, data.path);
    try {
      const [line] = await daemon.waitFor('expiring', { id });
      expect(line).toContain('withinSeconds=172800');
      await new Promise((r) => setTimeout(r, 2000));
      expect(daemon.lines('expiring', id), 'once per threshold').toHaveLength(1);
      expect([...daemon.lines('renewed', id), ...daemon.lines('renew-failed', id)]).toEqual([]);
    } finally {
      await daemon.proc.stop();
    }
  }, 60_000);
});
