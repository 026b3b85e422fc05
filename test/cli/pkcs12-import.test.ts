/**
 * PKCS#12 through the built CLI on the real stores (gnome-keyring and SoftHSM2): files made at
 * test time by OpenSSL 3 (default, -legacy), keytool, certtool (default, 3DES) and pk12util, with
 * RSA and EC keys and a leaf + intermediate chain, imported into both stores and checked against
 * `openssl x509`; exported again as PKCS#12 and read back by OpenSSL; a wrong, missing or
 * repeated import refused with a stable code and the registry untouched; and no imported key
 * anywhere on disk at the end. Odd files (damaged, huge, empty password, Ed25519) are in
 * pkcs12-import-odd.test.ts.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBackend } from '../testbed/backend';
import { createTestCa, type IssuedCert, type TestCa } from '../testbed/ca';
import { tempDir, type TempDir } from '../testbed/proc';
import { requireTools } from '../pkcs12/require-tools';
import { passwordFile } from '../pkcs12/tools';
import { CliStores, errorOf, pkcs8Of, type StoreName } from './cli-stores';
import { opensslCertSpki, opensslFacts, opensslReadPkcs12 } from './openssl-view';
import { makeToolFile, P12_TOOL_COMMANDS, P12_TOOLS, type P12Tool, type ToolFile } from './pkcs12-tool-files';
import { tokenCertificates, tokenObjects } from './token-objects';

/** certtool and pk12util write 600,000-iteration files: seconds each to write and read on a busy 2-core machine. */
const SETUP_MS = 600_000;
const SLOW_MS = 180_000;

const ALGS = [
  { alg: 'RSA-2048', ec: false, short: 'rsa' },
  { alg: 'EC-P256', ec: true, short: 'ec' },
] as const;

const STORES = ['keychain', 'softhsm'] as const;

const missing = [
  requireBackend('keyring').missing,
  requireBackend('softhsm2').missing,
  requireBackend('opensc').missing,
  !requireTools(...P12_TOOL_COMMANDS),
].some(Boolean);

/** One tool's file for one key algorithm, and the identity ids it got in each store. */
interface Case {
  tool: P12Tool;
  alg: string;
  issued: IssuedCert;
  p12: ToolFile;
  ids: Partial<Record<StoreName, string>>;
}

describe.skipIf(missing)('PKCS#12 from every tool through the CLI on the keychain and SoftHSM', () => {
  let ca: TestCa;
  let work: TempDir;
  let s: CliStores;
  const cases: Case[] = [];
  const timings: string[] = [];

  const file = (name: string) => path.join(work.path, name);
  const caseOf = (tool: P12Tool, alg: string) => cases.find((x) => x.tool === tool && x.alg === alg)!;
  const timed = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    const start = Date.now();
    try {
      return await fn();
    } finally {
      timings.push(`${what}: ${((Date.now() - start) / 1000).toFixed(1)} s`);
    }
  };

  beforeAll(async () => {
    [s, ca, work] = await Promise.all([CliStores.start('p12cli'), createTestCa({ ec: true }), tempDir('p12cli-work')]);
    // Each tool's file once per run, made concurrently, and used for both stores.
    const made = await timed('making 12 PKCS#12 files with the tools', () =>
      Promise.all(
        P12_TOOLS.flatMap((tool) =>
          ALGS.map(async ({ alg, ec, short }) => {
            const issued = await ca.issueClient({ cn: `Client ${tool} ${alg}`, ec });
            const p12 = await makeToolFile(tool, issued, file(`${tool}-${short}`), `${tool}-${short}`);
            return { tool, alg, issued, p12, ids: {} };
          }),
        ),
      ),
    );
    cases.push(...made);
  }, SETUP_MS);

  afterAll(async () => {
    console.info(`PKCS#12 CLI timings:\n  ${timings.join('\n  ')}`);
    await Promise.all([s?.stop(), ca?.stop(), work?.remove()]);
  });

  describe('import of every tool\'s file into both stores', () => {
    for (const tool of P12_TOOLS) {
      for (const { alg } of ALGS) {
        it(`${tool} ${alg}`, async () => {
          const c = caseOf(tool, alg);
          const facts = await opensslFacts(c.issued.certFile);
          for (const name of STORES) {
            const { id } = await timed(`import ${tool} ${alg} into ${name}`, () =>
              s.json(name, ['import', c.p12.file, '--password-file', c.p12.passwordFile, '--to', s.to(name)]),
            );
            c.ids[name] = id;
            const item = (await s.json(name, ['list'])).find((i: { id: string }) => i.id === id);
            expect(item).toMatchObject({
              id,
              label: c.p12.friendlyName,
              keyAlgorithm: alg,
              subject: `CN=Client ${tool} ${alg}`,
              keyStore: name === 'keychain' ? { kind: 'keychain' } : { kind: 'pkcs11', token: s.to(name).slice('pkcs11:'.length) },
              status: 'valid',
              ...facts,
            });
            expect(item.issuer).toContain('Intermediate');
          }
        }, SLOW_MS);
      }
    }

    it('puts each certificate on the token once, and `list` with the module shows no duplicate', async () => {
      const onToken = await tokenCertificates(s.softhsm.backend);
      const imported = cases.filter((c) => c.ids.softhsm);
      expect(imported).toHaveLength(cases.length);
      for (const c of imported) expect(onToken.filter((label) => label === c.p12.friendlyName)).toHaveLength(1);
      expect(onToken).toHaveLength(imported.length);
      const list: Array<{ fingerprintSha256: string }> = await s.json('softhsm', ['list']);
      const prints = list.map((i) => i.fingerprintSha256);
      expect(new Set(prints).size).toBe(prints.length);
      expect(list).toHaveLength(imported.length);
    });
  });

  describe('export as PKCS#12, read back by OpenSSL', () => {
    for (const { alg } of ALGS) {
      for (const legacy of [false, true]) {
        it(`${alg} ${legacy ? '--legacy' : 'modern'}`, async () => {
          const c = caseOf('pk12util', alg);
          const pass = passwordFile(work.path, `export-${alg}-${legacy}.pass`, 'export pässwort');
          const out = file(`export-${alg}-${legacy}.p12`);
          // Bug fixed: exporting over an existing world-readable file kept its mode (0644).
          await fs.writeFile(out, 'an older file', { mode: 0o644 });
          const legacyFlag = legacy ? ['--legacy'] : [];
          const r = await s.cli('keychain', ['export', c.ids.keychain!, '--pkcs12', '--password-file', pass, ...legacyFlag, '--out', out]);
          expect(r.stderr).toBe('');
          expect(r.code).toBe(0);
          expect((await fs.stat(out)).mode & 0o777, 'owner-only, also over an existing 0644 file').toBe(0o600);
          const view = await opensslReadPkcs12(out, pass, legacy);
          const chainFiles = [c.issued.certFile, ca.intermediateFile];
          const chain = await Promise.all(chainFiles.map(async (f) => (await opensslFacts(f)).fingerprintSha256));
          expect([...view.certFingerprints].sort()).toEqual([...chain].sort());
          expect(view.keySpkis).toHaveLength(1);
          expect(view.keySpkis[0]!.equals(await opensslCertSpki(c.issued.certFile))).toBe(true);
          expect(view.friendlyNames).toContain(c.p12.friendlyName);
          // And Keyport takes its own file back.
          const again = await s.fresh('keychain');
          const { id } = await s.json(again, ['import', out, '--password-file', pass]);
          const [item] = await s.json(again, ['list']);
          expect(item).toMatchObject({ id, label: c.p12.friendlyName, ...(await opensslFacts(c.issued.certFile)) });
        });
      }
    }

    it('refuses a SoftHSM identity with KEYPORT_EXPORT_NOT_ALLOWED and exit 7, writing nothing', async () => {
      const c = cases[0]!;
      const pass = passwordFile(work.path, 'export-token.pass', 'export pässwort');
      const out = file('export-token.p12');
      const r = await s.cli('softhsm', ['export', c.ids.softhsm!, '--pkcs12', '--password-file', pass, '--out', out, '--json']);
      expect(r.code).toBe(7);
      expect(errorOf(r).code).toBe('KEYPORT_EXPORT_NOT_ALLOWED');
      await expect(fs.stat(out)).rejects.toThrow(/ENOENT/);
    });
  });

  describe('refusals: one sentence with a stable code, nothing stored', () => {
    it('wrong password', async () => {
      const c = caseOf('openssl', 'EC-P256');
      const wrong = passwordFile(work.path, 'wrong.pass', 'not the password');
      for (const name of STORES) {
        const args = ['import', c.p12.file, '--password-file', wrong, '--to', s.to(name)];
        const error = await s.refused(name, args, 'KEYPORT_PKCS12_WRONG_PASSWORD', 4);
        expect(error.message).toBe('Cannot import PKCS#12: wrong password');
      }
    });

    it('a password-protected file with no --password-file and no terminal', async () => {
      const c = caseOf('keytool', 'RSA-2048');
      const error = await s.refused(await s.fresh('keychain'), ['import', c.p12.file], 'KEYPORT_PKCS12_WRONG_PASSWORD', 4);
      expect(error.message).toContain('--password-file');
    });

    it('the same identity twice (KEYPORT_ALREADY_EXISTS, exit 7), the token untouched', async () => {
      const c = caseOf('certtool', 'EC-P256');
      const onToken = await tokenObjects(s.softhsm.backend);
      for (const name of STORES) {
        const args = ['import', c.p12.file, '--password-file', c.p12.passwordFile, '--to', s.to(name)];
        await s.refused(name, args, 'KEYPORT_ALREADY_EXISTS', 7);
      }
      expect(await tokenObjects(s.softhsm.backend)).toEqual(onToken);
    }, SLOW_MS);
  });

  it('leaves no imported private key on disk: not in the data dirs, the keyring or the token dir', async () => {
    await s.expectNoKeysOnDisk(cases.map((c) => pkcs8Of(c.issued.keyPem)), ca.dir, cases.length);
  });
});
