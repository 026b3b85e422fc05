/**
 * `keyport test` through the built CLI with identities in each key store (gnome-keyring, SoftHSM,
 * the TPM through tpm2-pkcs11) against nginx with ssl_verify_client on: each succeeds with no
 * `error` diagnosis and a reproduce block whose curl goes through a Keyport proxy route; the
 * readable report has ✓ steps and no colour when stdout is not a terminal. Then the key stores
 * fail as users meet them: a wrong PIN (pin-incorrect), no PIN (pin-required), a locked keychain
 * (token-unavailable), each naming the store, with exit 7 and nothing on stderr.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeReport } from '../../src/shared/probe-report';
import { keychainBackend, softhsmBackend, tpmBackend, type Backend } from '../identity/backends';
import { requireBackend } from '../testbed/backend';
import { createTestCa, type IssuedCert, type TestCa } from '../testbed/ca';
import { runCli } from '../testbed/cli';
import type { Keyring } from '../testbed/keyring';
import { tempDir, type TempDir } from '../testbed/proc';
import { TLS_SERVER_PROBES } from '../testbed/tls-servers';
import { expectDiagnosis, startNginx, type Server } from './helpers';

const missing =
  requireBackend('openssl').missing ||
  requireBackend('keyring').missing ||
  requireBackend('softhsm2').missing ||
  requireBackend('tpm').missing ||
  requireBackend('tls-nginx', TLS_SERVER_PROBES.nginx).missing;

type StoreName = 'keychain' | 'softhsm' | 'tpm';

describe.skipIf(missing)('keyport test with each key store', () => {
  let ca: TestCa;
  let server: IssuedCert;
  let nginx: Server;
  const backends = {} as Record<StoreName, Backend>;
  const dirs = {} as Record<StoreName, TempDir>;
  const ids = {} as Record<StoreName, string>;
  let url: string;

  const cli = (store: StoreName, args: string[], env: Record<string, string> = backends[store].env) =>
    runCli([...backends[store].flags, ...args], { dataDir: dirs[store].path, env, timeoutMs: 120_000 });

  async function makeIdentity(store: StoreName): Promise<string> {
    if (store === 'keychain') {
      const client = await ca.issueClient({ cn: 'doctor-keychain', ec: true });
      const r = await cli(store, ['import', client.chainFile, '--key', client.keyFile, '--json']);
      expect(r.stderr).toBe('');
      return (JSON.parse(r.stdout) as { id: string }).id;
    }
    const gen = await cli(store, ['keygen', '--to', backends[store].to, '--alg', 'EC-P256', '--subject', `CN=doctor-${store}`, '--json']);
    expect(gen.stderr).toBe('');
    const { keyId, csr } = JSON.parse(gen.stdout) as { keyId: string; csr: string };
    const chainFile = path.join(dirs[store].path, 'chain.pem');
    await writeFile(chainFile, await ca.signCsr(csr));
    const attached = await cli(store, ['attach', keyId, chainFile, '--json']);
    expect(attached.stderr).toBe('');
    return (JSON.parse(attached.stdout) as { id: string }).id;
  }

  beforeAll(async () => {
    [ca, backends.keychain, backends.softhsm, backends.tpm, dirs.keychain, dirs.softhsm, dirs.tpm] = await Promise.all([
      createTestCa({ ec: true }),
      keychainBackend(),
      softhsmBackend(),
      tpmBackend(),
      tempDir('doctor-keychain'),
      tempDir('doctor-softhsm'),
      tempDir('doctor-tpm'),
    ]);
    server = await ca.issueServer({ sans: ['DNS:localhost', 'IP:127.0.0.1'], ec: true });
    const [n, ...made] = await Promise.all([
      startNginx({ server, directives: `ssl_verify_client on; ssl_client_certificate ${JSON.stringify(ca.rootFile)};`, locations: 'location / { default_type application/json; return 200 \'{"subject":"$ssl_client_s_dn"}\'; }' }),
      makeIdentity('keychain'),
      makeIdentity('softhsm'),
      makeIdentity('tpm'),
    ]);
    nginx = n;
    [ids.keychain, ids.softhsm, ids.tpm] = made as [string, string, string];
    url = `https://127.0.0.1:${nginx.port}/whoami`;
  }, 180_000);

  afterAll(async () => {
    await nginx?.stop();
    await Promise.allSettled([...Object.values(backends).map((b) => b.stop()), ...Object.values(dirs).map((d) => d.remove()), ca?.stop()]);
  });

  it.each(['keychain', 'softhsm', 'tpm'] as const)('%s: accepted, no error diagnosis, curl through a proxy route', async (store) => {
    const r = await cli(store, ['test', url, '--identity', ids[store], '--ca', ca.rootFile, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as ProbeReport;
    expect(report.ok).toBe(true);
    expect(JSON.parse(report.http!.bodyPreview).subject).toBe(`CN=doctor-${store}`);
    expect(report.diagnoses.filter((d) => d.severity === 'error')).toEqual([]);
    expect(report.reproduce.proxy).toBe(`keyport proxy --route 127.0.0.1:18443=127.0.0.1:${nginx.port},identity=${ids[store]},ca=${ca.rootFile}`);
    expect(report.reproduce.curl).toBe(`curl -v -H 'Host: 127.0.0.1:${nginx.port}' http://127.0.0.1:18443/whoami`);
    expect(report.reproduce.openssl).toContain(`openssl s_client -connect 127.0.0.1:${nginx.port} -CAfile ${ca.rootFile}`);
    if (store !== 'keychain') expect(report.reproduce.openssl).toMatch(/^keyport export \S+ --chain > .* -engine pkcs11 -keyform engine -key pkcs11:token=/);
  });

  it('the readable report: ✓ per step, the parameters, the reproduce lines, no colour off a terminal', async () => {
    const r = await cli('softhsm', ['test', url, '--identity', ids.softhsm, '--ca', ca.rootFile]);
    expect(r.code).toBe(0);
    for (const step of ['dns', 'tcp', 'handshake', 'http']) expect(r.stdout).toMatch(new RegExp(`^ {2}✓ ${step} +[\\d.]+ ms`, 'm'));
    expect(r.stdout).toMatch(/^ {2}TLS {7}TLSv1\.[23] TLS_/m);
    expect(r.stdout).toMatch(/^ {4}keyport proxy --route /m);
    expect(r.stdout).not.toContain('\x1b[');
  });

  it('a wrong PIN: pin-incorrect names the token, exit 7', async () => {
    const r = await cli('softhsm', ['test', url, '--identity', ids.softhsm, '--ca', ca.rootFile, '--json'], { ...backends.softhsm.env, KEYPORT_PIN: 'not-the-pin' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(7);
    const report = JSON.parse(r.stdout) as ProbeReport;
    expect(report.diagnoses[0]!.code).toBe('pin-incorrect');
    expectDiagnosis(report, 'pin-incorrect', 'error', backends.softhsm.to.replace('pkcs11:', 'token "'), '--pin-file');
  });

  it('no PIN at all: pin-required says how to give one', async () => {
    const { KEYPORT_PIN: _pin, ...env } = backends.tpm.env;
    const r = await cli('tpm', ['test', url, '--identity', ids.tpm, '--ca', ca.rootFile, '--json'], env);
    expect(r.code).toBe(7);
    const report = JSON.parse(r.stdout) as ProbeReport;
    expect(report.diagnoses[0]!.code).toBe('pin-required');
    expectDiagnosis(report, 'pin-required', 'error', 'token "', '--pin-file FILE or KEYPORT_PIN');
  });

  it('a locked keychain: token-unavailable names the keychain and says to unlock it', async () => {
    await (backends.keychain as Backend & { keyring: Keyring }).keyring.lock();
    const r = await cli('keychain', ['test', url, '--identity', ids.keychain, '--ca', ca.rootFile, '--json']);
    expect(r.code).toBe(7);
    const report = JSON.parse(r.stdout) as ProbeReport;
    expect(report.diagnoses[0]!.code).toBe('token-unavailable');
    expectDiagnosis(report, 'token-unavailable', 'error', 'the OS keychain', 'Unlock the OS keychain');
  });
});
