/**
 * The life of an identity on each real key store, through the real CLI:
 * keygen -> CSR -> issued by the test CA -> attach -> list --json matches openssl -> a signature by
 * the stored key verifies with the certificate's key -> remove deletes the key from its store.
 * Then PEM import, and at the end: no private key bytes anywhere on disk.
 */
import { promises as fs } from 'node:fs';
import { createPrivateKey } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBackend } from '../testbed/backend';
import { createTestCa, type TestCa } from '../testbed/ca';
import { encodingsOf, runCli, scanForBytes } from '../testbed/cli';
import { runChecked } from '../testbed/proc';
import { opensslFacts } from '../cli/openssl-view';
import { keychainBackend, softhsmBackend, tpmBackend, type Backend } from './backends';

/** `canImport`: tpm2-pkcs11 cannot take a private key from outside (C_CreateObject refuses it). */
const BACKENDS: Array<{ name: string; probe: string; start: () => Promise<Backend>; algs: string[]; canImport: boolean }> = [
  { name: 'keychain', probe: 'keyring', start: keychainBackend, algs: ['EC-P256', 'RSA-2048'], canImport: true },
  { name: 'softhsm', probe: 'softhsm2', start: softhsmBackend, algs: ['EC-P256', 'EC-P384', 'RSA-2048'], canImport: true },
  { name: 'tpm', probe: 'tpm', start: tpmBackend, algs: ['EC-P256'], canImport: false },
];

for (const spec of BACKENDS) {
  const status = requireBackend(spec.probe);
  describe.skipIf(status.missing)(`identity lifecycle on ${spec.name}`, () => {
    let backend: Backend;
    let ca: TestCa;
    let dataDir: string;
    let work: string;
    const keyBytes: Buffer[] = [];
    const cli = (args: string[]) => runCli([...backend.flags, ...args], { dataDir, env: backend.env, timeoutMs: 120_000 });
    const json = async (args: string[]) => {
      const r = await cli([...args, '--json']);
      expect(r.stderr, `keyport ${args.join(' ')}`).toBe('');
      expect(r.code).toBe(0);
      return JSON.parse(r.stdout);
    };
    const registry = async () => JSON.parse(await fs.readFile(path.join(dataDir, 'identities.json'), 'utf8'));

    beforeAll(async () => {
      [backend, ca] = await Promise.all([spec.start(), createTestCa({ ec: true })]);
      dataDir = await fs.mkdtemp(path.join(os.tmpdir(), `keyport-data-${spec.name}-`));
      work = await fs.mkdtemp(path.join(os.tmpdir(), `keyport-work-${spec.name}-`));
    });

    afterAll(async () => {
      // After everything: no private key we know the bytes of is in the data dir or the store's dir.
      if (keyBytes.length > 0) {
        const hits = await scanForBytes([dataDir, ...backend.dirs], keyBytes.flatMap(encodingsOf));
        expect(hits).toEqual([]);
      }
      await Promise.all([backend?.stop(), ca?.stop()]);
      await fs.rm(dataDir, { recursive: true, force: true });
      await fs.rm(work, { recursive: true, force: true });
    });

    for (const alg of spec.algs) {
      it(`keygen ${alg} -> CA -> attach -> list -> sign -> remove`, async () => {
        const gen = await json(['keygen', '--to', backend.to, '--alg', alg, '--subject', `CN=alice-${alg},O=Keyport Test`, '--san', 'alice.example']);
        expect(gen.csr).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----/);
        const chainFile = path.join(work, `${alg}.pem`);
        await fs.writeFile(chainFile, await ca.signCsr(gen.csr, { eku: ['clientAuth'] }));
        const leafFile = path.join(work, `${alg}-leaf.pem`);
        await fs.writeFile(leafFile, (await fs.readFile(chainFile, 'utf8')).split(/(?<=-----END CERTIFICATE-----\n)/)[0]!);

        const { id } = await json(['attach', gen.keyId, chainFile]);
        const list = await json(['list']);
        const item = list.find((i: { id: string }) => i.id === id);
        expect(item).toMatchObject({
          id,
          label: `alice-${alg}`,
          subject: `CN=alice-${alg}, O=Keyport Test`,
          sans: ['DNS:alice.example'],
          keyAlgorithm: alg,
          status: 'valid',
          keyStore: spec.name === 'keychain' ? { kind: 'keychain' } : { kind: 'pkcs11', token: backend.to.slice(7) },
          ...(await opensslFacts(leafFile)),
        });
        expect(item.issuer).toContain('Intermediate');

        const record = (await registry()).identities.find((i: { id: string }) => i.id === id);
        if (spec.name === 'keychain') {
          const secret = await runChecked('secret-tool', ['lookup', 'service', 'keyport', 'account', record.key.keyId], { env: backend.env });
          keyBytes.push(Buffer.from(secret.stdout.trim(), 'base64'));
        }

        // A signature made by the stored key (a fresh CSR) verifies with the certificate's public key.
        const csrFile = path.join(work, `${alg}.csr`);
        expect((await cli(['export', id, '--csr', '--out', csrFile])).code).toBe(0);
        await runChecked('openssl', ['req', '-in', csrFile, '-noout', '-verify']);
        const csrKey = await runChecked('openssl', ['req', '-in', csrFile, '-noout', '-pubkey']);
        const certKey = await runChecked('openssl', ['x509', '-in', leafFile, '-noout', '-pubkey']);
        expect(csrKey.stdout).toBe(certKey.stdout);

        expect(await backend.holdsKey(record.key)).toBe(true);
        expect((await cli(['remove', id])).code).toBe(0);
        expect(await backend.holdsKey(record.key)).toBe(false);
        expect((await json(['list'])).some((i: { id: string }) => i.id === id)).toBe(false);
      });
    }

    it.runIf(!spec.canImport)('refuses a PEM import clearly, storing nothing', async () => {
      const client = await ca.issueClient({ cn: `bob-${spec.name}`, ec: true });
      const r = await cli(['import', client.chainFile, '--key', client.keyFile, '--to', backend.to, '--json']);
      expect(r.code).not.toBe(0);
      expect(JSON.parse(r.stderr.trim().split('\n').pop()!).error.code).toBe('KEYPORT_MECHANISM_UNSUPPORTED');
      expect((await json(['list'])).filter((i: { label: string }) => i.label.startsWith('bob'))).toEqual([]);
    });

    it.runIf(spec.canImport)('imports a PEM key and certificate, refuses the same identity twice, refuses a foreign certificate', async () => {
      const client = await ca.issueClient({ cn: `bob-${spec.name}`, ec: true });
      keyBytes.push(createPrivateKey(client.keyPem).export({ format: 'der', type: 'pkcs8' }));
      const { id } = await json(['import', client.chainFile, '--key', client.keyFile, '--to', backend.to, '--label', 'bob']);
      const before = await fs.readFile(path.join(dataDir, 'identities.json'), 'utf8');

      const again = await cli(['import', client.chainFile, '--key', client.keyFile, '--to', backend.to]);
      expect(again.code).toBe(7);
      expect(again.stderr).toContain('KEYPORT_ALREADY_EXISTS');

      const other = await ca.issueClient({ cn: 'mallory', ec: true });
      const mismatch = await cli(['import', other.certFile, '--key', client.keyFile, '--to', backend.to]);
      expect(mismatch.code).toBe(6);
      expect(mismatch.stderr).toContain('KEYPORT_KEY_MISMATCH');
      expect(await fs.readFile(path.join(dataDir, 'identities.json'), 'utf8')).toBe(before);

      expect((await json(['show', 'bob'])).id).toBe(id);
      expect((await cli(['remove', id])).code).toBe(0);
    });
  });
}
