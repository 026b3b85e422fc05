/**
 * TCP routes to nginx with `ssl_verify_client on`, through the built CLI: curl speaks plain HTTP to
 * the route, Keyport makes the mTLS connection with a keychain, SoftHSM or TPM identity, and
 * nginx's $ssl_client_s_dn in /whoami shows our subject. Reconnects resume (no second signature).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keychainBackend, softhsmBackend, tpmBackend, type Backend } from '../identity/backends';
import { requireBackend } from '../testbed/backend';
import { createTestCa, type IssuedCert, type TestCa } from '../testbed/ca';
import { tempDir, type TempDir } from '../testbed/proc';
import { startTlsServer, TLS_SERVER_PROBES, type TlsServer } from '../testbed/tls-servers';
import { curl, freePort, routeStatus, runCli, startProxyCli } from './helpers';

const missing =
  requireBackend('openssl').missing ||
  requireBackend('keyring').missing ||
  requireBackend('softhsm2').missing ||
  requireBackend('tpm').missing ||
  requireBackend('tls-nginx', TLS_SERVER_PROBES.nginx).missing;

describe.skipIf(missing)('keyport proxy --route to nginx (ssl_verify_client on)', () => {
  let ca: TestCa;
  let server: IssuedCert;
  let nginx: TlsServer;
  const cleanups: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    ca = await createTestCa({ ec: true });
    server = await ca.issueServer({ sans: ['DNS:localhost', 'IP:127.0.0.1'], ec: true });
    nginx = await startTlsServer('nginx', { version: 'TLSv1.3', certFile: server.certFile, keyFile: server.keyFile, chainFile: ca.intermediateFile, clientCaFile: ca.rootFile });
    cleanups.push(() => nginx.stop(), () => ca.stop());
  }, 60_000);

  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });

  const stores: Array<[string, () => Promise<Backend>]> = [
    ['keychain', keychainBackend],
    ['softhsm', softhsmBackend],
    ['tpm', tpmBackend],
  ];

  it.each(stores)('%s identity: curl through the route gets our subject from nginx; the reconnect resumes', async (name, make) => {
    const backend = await make();
    const data: TempDir = await tempDir(`proxy-nginx-${name}`);
    cleanups.push(() => backend.stop(), () => data.remove());
    const cn = `proxy-${name}`;
    const key = await runCli([...backend.flags, 'keygen', '--to', backend.to, '--alg', 'EC-P256', '--subject', `CN=${cn}`, '--json'], { dataDir: data.path, env: backend.env });
    expect(key.stderr).toBe('');
    const { keyId, csr } = JSON.parse(key.stdout) as { keyId: string; csr: string };
    const certFile = path.join(data.path, 'issued.pem');
    await writeFile(certFile, await ca.signCsr(csr, { eku: ['clientAuth'] }));
    const attached = await runCli([...backend.flags, 'attach', keyId, certFile, '--json'], { dataDir: data.path, env: backend.env });
    expect(attached.stderr).toBe('');
    const { id } = JSON.parse(attached.stdout) as { id: string };

    const port = await freePort();
    const proxy = await startProxyCli(data.path, ['--route', `127.0.0.1:${port}=127.0.0.1:${nginx.port},identity=${id},ca=${ca.rootFile},servername=localhost`], { env: backend.env, globals: backend.flags });
    cleanups.push(() => proxy.stop());
    for (let i = 0; i < 2; i++) {
      const r = await curl([`http://127.0.0.1:${port}/whoami`]);
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout)).toMatchObject({ verify: 'SUCCESS' });
      expect(r.stdout).toContain(`CN=${cn}`);
    }
    const stats = await routeStatus(proxy);
    expect(stats).toMatchObject({ total: 2, handshakesFull: 1, handshakesResumed: 1, errors: {} });
    expect(stats.bytesDown as number).toBeGreaterThan(0);
    await proxy.stop();
  }, 120_000);
});
