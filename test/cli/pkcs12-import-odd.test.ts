/**
 * Odd PKCS#12 input through the built CLI on the keychain and SoftHSM: a password asked on a
 * terminal, damaged and random files, a PEM certificate without its key, files over 10 MB, the
 * empty password, and an Ed25519 key (fine in the keychain, refused by the token in one sentence).
 * Failures leave the registry byte-identical (or absent); no key reaches the disk.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBackend } from '../testbed/backend';
import { createTestCa, type IssuedCert, type TestCa } from '../testbed/ca';
import { CLI_BUNDLE, runCli } from '../testbed/cli';
import { run, runChecked, tempDir, type TempDir } from '../testbed/proc';
import { requireTools } from '../pkcs12/require-tools';
import { passwordFile } from '../pkcs12/tools';
import { CliStores, pkcs8Of } from './cli-stores';
import { opensslFacts } from './openssl-view';
import { issueEd25519, makeToolFile, type ToolFile } from './pkcs12-tool-files';
import { tokenObjects } from './token-objects';

/** certtool writes 600,000-iteration files: seconds each to write and read on a busy 2-core machine. */
const SLOW_MS = 180_000;

const STORES = ['keychain', 'softhsm'] as const;

const missing = [
  requireBackend('keyring').missing,
  requireBackend('softhsm2').missing,
  requireBackend('opensc').missing,
  !requireTools('openssl', 'certtool'),
].some(Boolean);

describe.skipIf(missing)('odd PKCS#12 input through the CLI', () => {
  let ca: TestCa;
  let work: TempDir;
  let s: CliStores;
  /** An OpenSSL file to damage. */
  let good: ToolFile;
  /** PKCS#8 DER of every key given to the CLI. */
  const keys: Buffer[] = [];

  const file = (name: string) => path.join(work.path, name);
  const issue = async (cn: string, ec = true) => {
    const issued = await ca.issueClient({ cn, ec });
    keys.push(pkcs8Of(issued.keyPem));
    return issued;
  };

  beforeAll(async () => {
    [s, ca, work] = await Promise.all([CliStores.start('p12odd'), createTestCa({ ec: true }), tempDir('p12odd-work')]);
    good = await makeToolFile('openssl', await issue('Client to damage', false), file('good'), 'good');
  });

  afterAll(async () => {
    await Promise.all([s?.stop(), ca?.stop(), work?.remove()]);
  });

  it.runIf(requireTools('script'))('asks for the password on a terminal when no --password-file is given', async () => {
    const issued = await issue('Client prompted');
    const p12 = await makeToolFile('openssl', issued, file('prompted'), 'prompted');
    const store = await s.fresh('keychain');
    // util-linux script gives the CLI a pseudo-terminal; the password goes in on its stdin, never argv.
    const argv = [process.execPath, CLI_BUNDLE, '--data-dir', store.dataDir.path, 'import', p12.file, '--json'];
    const r = await run('script', ['-qec', argv.map(shellQuote).join(' '), '/dev/null'], {
      env: store.backend.env,
      input: `${p12.password}\r`,
    });
    expect(r.stdout).toContain(`Password for ${p12.file}: `);
    expect(r.code, r.stdout).toBe(0);
    const { id } = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
    const list = await runCli(['list', '--json'], { dataDir: store.dataDir.path, env: store.backend.env });
    expect(JSON.parse(list.stdout)).toMatchObject([{ id, label: 'prompted', ...(await opensslFacts(issued.certFile)) }]);
  });

  it('refuses a truncated file and random bytes (KEYPORT_PKCS12_INVALID)', async () => {
    const whole = await fs.readFile(good.file);
    const inputs = { half: whole.subarray(0, whole.length >> 1), 'one-byte-short': whole.subarray(0, -1), random: randomBytes(4096) };
    for (const [name, bytes] of Object.entries(inputs)) {
      const bad = file(`bad-${name}.p12`);
      await fs.writeFile(bad, bytes);
      for (const store of [s.keychain, await s.fresh('softhsm')]) {
        await s.refused(store, ['import', bad, '--password-file', good.passwordFile, '--to', s.to(store)], 'KEYPORT_PKCS12_INVALID', 6);
      }
    }
  });

  it('refuses a PEM file with a certificate and no key, saying to give --key', async () => {
    const issued = await issue('Client without key');
    const error = await s.refused('keychain', ['import', issued.certFile], 'KEYPORT_KEY_INVALID', 6);
    expect(error.message).toContain('--key');
  });

  it('refuses a file over 10 MB before reading it', async () => {
    // Sparse files: 10 MiB + 1 byte, and 64 GiB, which no read could get through quickly (Node reads at most 2 GiB).
    for (const size of [10 * 1024 * 1024 + 1, 64 * 1024 ** 3]) {
      const big = file(`big-${size}.p12`);
      await fs.writeFile(big, '');
      await fs.truncate(big, size);
      const started = Date.now();
      const error = await s.refused(await s.fresh('keychain'), ['import', big], 'KEYPORT_FILE_TOO_LARGE', 6);
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(error.message).toContain('10 MB');
    }
  });

  it('takes an empty password file as the empty password (OpenSSL pass: and certtool --empty-password)', async () => {
    const dir = file('empty-password');
    await fs.mkdir(dir);
    const empty = passwordFile(dir, 'empty.pass', '');
    const make = {
      openssl: (k: IssuedCert, out: string) =>
        runChecked('openssl', ['pkcs12', '-export', '-inkey', k.keyFile, '-in', k.chainFile, '-passout', 'pass:', '-out', out]),
      certtool: async (k: IssuedCert, out: string) => {
        const template = path.join(dir, 'empty.tmpl');
        await fs.writeFile(template, '');
        return runChecked('certtool', ['--to-p12', '--load-privkey', k.keyFile, '--load-certificate', k.chainFile, '--empty-password',
          '--p12-name', 'empty-certtool', '--outder', '--outfile', out, '--template', template]);
      },
    };
    for (const [tool, makeFile] of Object.entries(make)) {
      const issued = await issue(`Client empty password ${tool}`);
      const p12 = path.join(dir, `${tool}.p12`);
      await makeFile(issued, p12);
      // OpenSSL's file has no friendly name: the label is then the CN.
      const label = tool === 'certtool' ? 'empty-certtool' : `Client empty password ${tool}`;
      const facts = { label, ...(await opensslFacts(issued.certFile)) };
      for (const name of STORES) {
        const { id } = await s.json(name, ['import', p12, '--password-file', empty, '--to', s.to(name)]);
        expect((await s.json(name, ['list'])).find((i: { id: string }) => i.id === id)).toMatchObject(facts);
      }
      // Without --password-file the absent password is tried, which opens these files too.
      await s.json(await s.fresh('keychain'), ['import', p12]);
    }
  }, SLOW_MS);

  describe('Ed25519', () => {
    let p12: ToolFile;
    let issued: IssuedCert;
    beforeAll(async () => {
      issued = await issueEd25519(ca, file('ed25519'));
      keys.push(pkcs8Of(issued.keyPem));
      p12 = await makeToolFile('openssl', issued, file('ed25519'), 'ed25519-client');
    });

    // Bug fixed: the refusal named the key type by its JWK kty: "OKP is not supported on tokens".
    it('into SoftHSM: one sentence naming Ed25519 (not JWK "OKP"), nothing stored in the registry or on the token', async () => {
      // A registry with an identity in it, to prove it stays byte-identical.
      const other = await makeToolFile('openssl', await issue('Client beside Ed25519'), file('beside'), 'beside');
      await s.json('softhsm', ['import', other.file, '--password-file', other.passwordFile, '--to', s.to('softhsm')]);
      const onToken = await tokenObjects(s.softhsm.backend);
      const args = ['import', p12.file, '--password-file', p12.passwordFile, '--to', s.to('softhsm')];
      const error = await s.refused('softhsm', args, 'KEYPORT_KEY_UNSUPPORTED', 6);
      expect(error.message).toBe('Cannot import the private key: Ed25519 is not supported on tokens; use EC P-256/P-384 or RSA-2048/3072.');
      expect(await tokenObjects(s.softhsm.backend)).toEqual(onToken);
    });

    it('into the keychain: imported, and `export --csr` makes a CSR OpenSSL verifies', async () => {
      const { id } = await s.json('keychain', ['import', p12.file, '--password-file', p12.passwordFile]);
      const item = (await s.json('keychain', ['list'])).find((i: { id: string }) => i.id === id);
      expect(item).toMatchObject({ label: 'ed25519-client', keyAlgorithm: 'Ed25519', ...(await opensslFacts(issued.certFile)) });
      const csr = file('ed25519/export.csr');
      const r = await s.cli('keychain', ['export', id, '--csr', '--out', csr]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      await runChecked('openssl', ['req', '-in', csr, '-noout', '-verify']);
      const csrKey = await runChecked('openssl', ['req', '-in', csr, '-noout', '-pubkey']);
      const certKey = await runChecked('openssl', ['x509', '-in', issued.certFile, '-noout', '-pubkey']);
      expect(csrKey.stdout).toBe(certKey.stdout);
    });
  });

  it('leaves no imported private key on disk: not in the data dirs, the keyring or the token dir', async () => {
    await s.expectNoKeysOnDisk(keys, ca.dir, 5);
  });
});

/** `arg` quoted for the POSIX shell that `script -c` runs. */
function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}
