/**
 * Root rotation reaches a running route: the route's `ca=` names a trust bundle file (as
 * `keyport roots refresh` keeps them in trust/), the upstream moves to a server certificate from a
 * new root, and once the bundle file is rewritten with that root, new connections succeed without
 * a restart. SoftHSM identity, in-process proxy.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keyport } from '../../src/core/app';
import { parseHttpProxyFlags, parseRouteFlag, startProxy, type ProxyService } from '../../src/core/proxy';
import { requireBackend } from '../testbed/backend';
import { createTestCa, type TestCa } from '../testbed/ca';
import { tempDir, waitUntil, type TempDir } from '../testbed/proc';
import { startSoftHsm, type SoftHsm } from '../testbed/softhsm';
import { get } from './client';
import { freePort, runCli } from './helpers';
import { startWhoamiServer, type WhoamiServer } from './whoami-server';

const missing = requireBackend('openssl').missing || requireBackend('softhsm2').missing;

describe.skipIf(missing)('a route whose CA bundle file is rewritten (root rotation)', () => {
  let oldRoot: TestCa;
  let newRoot: TestCa;
  let hsm: SoftHsm;
  let data: TempDir;
  let whoami: WhoamiServer;
  let keyport: Keyport;
  let proxy: ProxyService | undefined;

  beforeAll(async () => {
    [oldRoot, newRoot, hsm, data] = await Promise.all([
      createTestCa({ ec: true, name: 'Old Root' }),
      createTestCa({ ec: true, name: 'New Root' }),
      startSoftHsm(),
      tempDir('proxy-ca-rotation'),
    ]);
    // The upstream already serves a chain from the new root; it trusts the old root for clients.
    const server = await newRoot.issueServer({ sans: ['DNS:localhost'], ec: true });
    whoami = await startWhoamiServer({ keyFile: server.keyFile, chainPem: server.chainPem, caFile: oldRoot.rootFile });
    const env = { ...hsm.env, KEYPORT_PIN: hsm.pin };
    const key = await runCli(['--pkcs11-module', hsm.module, 'keygen', '--to', `pkcs11:${hsm.tokenLabel}`, '--alg', 'EC-P256', '--subject', 'CN=rotation-alice', '--json'], { dataDir: data.path, env });
    const { keyId, csr } = JSON.parse(key.stdout) as { keyId: string; csr: string };
    const certFile = path.join(data.path, 'issued.pem');
    await writeFile(certFile, await oldRoot.signCsr(csr, { eku: ['clientAuth'] }));
    expect((await runCli(['--pkcs11-module', hsm.module, 'attach', keyId, certFile, '--label', 'alice'], { dataDir: data.path, env })).code).toBe(0);
    keyport = new Keyport({ dataDir: data.path, pkcs11Modules: [hsm.module], env: { ...process.env, ...hsm.env }, pin: async () => hsm.pin });
  }, 90_000);

  afterAll(async () => {
    await proxy?.close();
    await keyport?.close();
    await whoami?.stop();
    await Promise.allSettled([oldRoot?.stop(), newRoot?.stop(), hsm?.stop()]);
    await data?.remove();
  });

  it('new connections trust the rewritten bundle within seconds, the proxy not restarted; a root taken out of it is distrusted at once (regression: its tickets resumed past it)', async () => {
    const bundle = path.join(data.path, 'trust', 'step-ca-ca.internal-9000.pem');
    await mkdir(path.dirname(bundle), { recursive: true });
    await copyFile(oldRoot.rootFile, bundle);
    const port = await freePort();
    const route = parseRouteFlag(`127.0.0.1:${port}=127.0.0.1:${whoami.port},identity=alice,ca=${bundle},servername=localhost,name=api`);
    proxy = await startProxy({ keyport, dataDir: data.path, config: { routes: [route], allowNonLoopback: false }, audit: false });

    // The bundle lacks the new root: the upstream's certificate is refused, the client gets nothing.
    await expect(get(port, '/whoami')).rejects.toThrow();

    // What `keyport roots refresh` does when the CA publishes a second root.
    await writeFile(bundle, (await readFile(oldRoot.rootFile, 'utf8')) + (await readFile(newRoot.rootFile, 'utf8')));
    await waitUntil(async () => (await get(port, '/whoami').catch(() => undefined))?.status === 200, { what: 'a connection through the new root', timeoutMs: 5000, intervalMs: 200 });
    expect(JSON.parse((await get(port, '/whoami')).body.toString())).toMatchObject({ cn: 'rotation-alice' });

    // Regression: the route kept the tickets of sessions made under the old trust, and a resumed
    // session skips the server's certificate: a root taken out of the file went on being trusted.
    proxy!.forgetSessions();
    expect((await get(port, '/whoami')).status).toBe(200); // a full handshake: the server sends tickets
    await writeFile(bundle, await readFile(oldRoot.rootFile, 'utf8'));
    await proxy!.reload(); // what the file watcher does within a second; here the next connection must already see it
    for (let i = 0; i < 3; i++) await expect(get(port, '/whoami')).rejects.toThrow();
  });

  it('regression: the HTTP proxy too resumed tickets made under a root taken out of a rule\'s CA file; now a rule change drops them', async () => {
    const bundle = path.join(data.path, 'trust', 'forward-bundle.pem');
    await mkdir(path.dirname(bundle), { recursive: true });
    await writeFile(bundle, (await readFile(oldRoot.rootFile, 'utf8')) + (await readFile(newRoot.rootFile, 'utf8')));
    const httpProxy = parseHttpProxyFlags(`127.0.0.1:${await freePort()}`, [`host=localhost,identity=alice,ca=${bundle}`]);
    const forward = await startProxy({ keyport, dataDir: data.path, config: { routes: [], httpProxy, allowNonLoopback: false }, audit: false });
    const status = (): Promise<number> =>
      new Promise((resolve, reject) => {
        http.get({ host: '127.0.0.1', port: forward.httpProxyPort, path: `http://localhost:${whoami.port}/whoami`, agent: false }, (res) => (res.resume(), resolve(res.statusCode ?? 0))).on('error', reject);
      });
    try {
      expect(await status()).toBe(200); // a full handshake: the server sends tickets
      await writeFile(bundle, await readFile(oldRoot.rootFile, 'utf8'));
      await forward.reload();
      expect(await status()).toBe(502);
    } finally {
      await forward.close();
    }
  });
});
