/**
 * The routes saved in the data dir (`keyport routes add|list|remove`, proxy.yaml) and
 * startConfiguredProxy(), the entry `keyport daemon` and the desktop app call: run in-process
 * with a SoftHSM identity, it serves the saved route and picks up a route added, or moved to another
 * port, while it runs; `keyport daemon` serves the same saved route as a process and stops cleanly on SIGTERM.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keyport } from '../../src/core/app';
import { loadSavedRoutes, replaceSavedRoute, startConfiguredProxy, type ProxyService } from '../../src/core/proxy';
import { requireBackend } from '../testbed/backend';
import { createTestCa, type TestCa } from '../testbed/ca';
import { CLI_BUNDLE } from '../testbed/cli';
import { startProcess, tempDir, waitUntil, type TempDir } from '../testbed/proc';
import { startSoftHsm, type SoftHsm } from '../testbed/softhsm';
import { get } from './client';
import { freePort, runCli } from './helpers';
import { startWhoamiServer, type WhoamiServer } from './whoami-server';

const missing = requireBackend('openssl').missing || requireBackend('softhsm2').missing;

describe.skipIf(missing)('saved routes and startConfiguredProxy', () => {
  let ca: TestCa;
  let hsm: SoftHsm;
  let data: TempDir;
  let whoami: WhoamiServer;
  let keyport: Keyport;
  let proxy: ProxyService | undefined;
  let id: string;

  beforeAll(async () => {
    [ca, hsm, data] = await Promise.all([createTestCa({ ec: true }), startSoftHsm(), tempDir('proxy-saved')]);
    const server = await ca.issueServer({ sans: ['DNS:localhost'], ec: true });
    whoami = await startWhoamiServer({ keyFile: server.keyFile, chainPem: server.chainPem, caFile: ca.rootFile });
    const env = { ...hsm.env, KEYPORT_PIN: hsm.pin };
    const key = await runCli(['--pkcs11-module', hsm.module, 'keygen', '--to', `pkcs11:${hsm.tokenLabel}`, '--alg', 'EC-P256', '--subject', 'CN=daemon-alice', '--json'], { dataDir: data.path, env });
    const { keyId, csr } = JSON.parse(key.stdout) as { keyId: string; csr: string };
    const certFile = path.join(data.path, 'issued.pem');
    await writeFile(certFile, await ca.signCsr(csr, { eku: ['clientAuth'] }));
    id = (JSON.parse((await runCli(['--pkcs11-module', hsm.module, 'attach', keyId, certFile, '--json'], { dataDir: data.path, env })).stdout) as { id: string }).id;
    keyport = new Keyport({ dataDir: data.path, pkcs11Modules: [hsm.module], env: { ...process.env, ...hsm.env }, pin: async () => hsm.pin });
  }, 90_000);

  afterAll(async () => {
    await proxy?.close();
    await keyport?.close();
    await whoami?.stop();
    await Promise.allSettled([ca?.stop(), hsm?.stop()]);
    await data?.remove();
  });

  const routes = (args: string[]) => runCli(['routes', ...args], { dataDir: data.path });
  const startDaemon = () =>
    startProcess(process.execPath, [CLI_BUNDLE, '--data-dir', data.path, '--pkcs11-module', hsm.module, 'daemon', '--tick', '1'], {
      name: 'keyport daemon',
      env: { ...hsm.env, KEYPORT_PIN: hsm.pin, NO_COLOR: '1' },
      ready: { line: /started pid=/ },
      timeoutMs: 30_000,
    });

  it('keyport routes add/list/remove keep proxy.yaml; a duplicate and an unknown name are refused', async () => {
    expect(await startConfiguredProxy(keyport, data.path)).toBeUndefined();
    expect((await routes(['list'])).stdout).toBe('No saved routes: add one with keyport routes add LISTEN=HOST:PORT,identity=ID.\n');
    expect((await runCli(['audit'], { dataDir: data.path })).stdout).toMatch(/^No proxy sessions in the audit log yet/);
    expect((await runCli(['audit', '--since', '2h'], { dataDir: data.path })).stdout).toMatch(/^No proxy sessions in the audit log since \d{4}-\d\d-\d\dT/);
    const port = await freePort();
    const added = await routes(['add', `127.0.0.1:${port}=127.0.0.1:${whoami.port},identity=${id},ca=${ca.rootFile},servername=localhost,name=api`, '--json']);
    expect(added.stderr).toBe('');
    const dup = await routes(['add', `127.0.0.1:${port}=127.0.0.1:1,identity=${id},name=api`]);
    expect(dup.code).toBe(7);
    expect(dup.stderr).toMatch(/A saved route is already named api; remove it first \(keyport routes remove api\) or pick another name/);
    // Regression: a second name on a used port was refused in the new route's name ("already uses other").
    const samePort = await routes(['add', `127.0.0.1:${port}=127.0.0.1:1,identity=${id},name=other`]);
    expect(samePort.code).toBe(7);
    expect(samePort.stderr).toMatch(new RegExp(`Saved route api already listens on 127\\.0\\.0\\.1:${port}; remove it first \\(keyport routes remove api\\) or pick another port`));
    const listed = JSON.parse((await routes(['list', '--json'])).stdout) as Array<{ name: string; listen: { port: number } }>;
    expect(listed).toMatchObject([{ name: 'api', listen: { port } }]);
    // A forward proxy written into proxy.yaml by hand is listed too (JSON stays the routes only).
    const file = path.join(data.path, 'proxy.yaml');
    const saved = await readFile(file, 'utf8');
    await writeFile(file, `# hand-written: keep me\n${saved}httpProxy:\n  listen: 127.0.0.1:${await freePort()}\n  rules:\n    - host: "*.svc.internal" # the cluster\n      identity: ${id}\n      port: 8443\n`);
    expect((await routes(['list'])).stdout).toMatch(new RegExp(`^HTTP proxy on 127\\.0\\.0\\.1:\\d+ \\(edited in proxy\\.yaml\\):\nHOST +PORT +IDENTITY\n\\*\\.svc\\.internal +8443 +${id}$`, 'm'));
    expect(JSON.parse((await routes(['list', '--json'])).stdout)).toHaveLength(1);
    // Regression: routes add and remove rewrote the whole file, dropping what was written by hand.
    expect((await routes(['add', `127.0.0.1:${await freePort()}=127.0.0.1:1,identity=${id},name=later`])).code).toBe(0);
    expect((await routes(['remove', 'later'])).code).toBe(0);
    const kept = await readFile(file, 'utf8');
    expect(kept).toMatch(/^# hand-written: keep me\n/);
    expect(kept).toContain('- host: "*.svc.internal" # the cluster\n');
    await writeFile(file, saved);
    const gone = await routes(['remove', 'nope']);
    expect(gone.code).toBe(3);
    expect(gone.stderr).toMatch(/No saved route is named nope/);
  });

  it("keyport routes test NAME: the doctor on a saved route's upstream as the route connects (handshake, or --http with GET /); exit 7 with the diagnosis", async () => {
    const env = { ...hsm.env, KEYPORT_PIN: hsm.pin };
    const cli = (args: string[]) => runCli(['--pkcs11-module', hsm.module, 'routes', ...args], { dataDir: data.path, env });
    const to = `127.0.0.1:${whoami.port},identity=${id},servername=localhost`;
    expect((await cli(['add', `127.0.0.1:${await freePort()}=${to},ca=${ca.rootFile},name=diag-ok`])).stderr).toBe('');
    expect((await cli(['add', `127.0.0.1:${await freePort()}=${to},name=diag-no-ca`])).stderr).toBe('');
    type Report = { ok: boolean; url: string; steps: Array<{ step: string; ok: boolean }>; diagnoses: Array<{ code: string }> };
    const ok = await cli(['test', 'diag-ok', '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    const report = JSON.parse(ok.stdout) as Report;
    expect(report).toMatchObject({ ok: true, url: `https://127.0.0.1:${whoami.port}/` });
    expect(report.steps.map((s) => s.step)).toEqual(['dns', 'tcp', 'handshake']);
    const http = JSON.parse((await cli(['test', 'diag-ok', '--http', '--json'])).stdout) as Report;
    expect(http.steps.map((s) => `${s.step}:${s.ok}`)).toEqual(['dns:true', 'tcp:true', 'handshake:true', 'http:true']);
    const noCa = await cli(['test', 'diag-no-ca']);
    expect(noCa.code).toBe(7);
    expect(noCa.stdout).toMatch(/^FAILED {2}https:\/\/127\.0\.0\.1:\d+\//);
    expect(noCa.stdout).toContain('server-cert-untrusted');
    const gone = await cli(['test', 'no-such-route']);
    expect(gone.code).toBe(3);
    expect(gone.stderr.trim()).toBe('keyport: No saved route is named no-such-route (it may have been removed meanwhile): list the routes again. [KEYPORT_NOT_FOUND]');
    for (const name of ['diag-ok', 'diag-no-ca']) expect((await cli(['remove', name])).code).toBe(0);
  });

  it('regression: keyport routes add saved a route the proxy refuses at start (so the daemon ran none); now refused first', async () => {
    const before = await readFile(path.join(data.path, 'proxy.yaml'), 'utf8');
    const spec = (listen: string, extra: string) => `${listen}=127.0.0.1:${whoami.port},${extra},name=bad`;
    const typo = await routes(['add', spec(`127.0.0.1:${await freePort()}`, 'identity=no-such-identity')]);
    expect(typo.code).toBe(3);
    expect(typo.stderr).toMatch(/^keyport: route bad: No identity "no-such-identity";.*\[KEYPORT_NOT_FOUND\]\n$/);
    const wide = await routes(['add', spec('0.0.0.0:9443', `identity=${id}`)]);
    expect(wide.code).toBe(7);
    expect(wide.stderr).toMatch(/Refusing to listen on 0\.0\.0\.0:9443 for route bad: .*allowNonLoopback: true.*\[KEYPORT_PROXY_NON_LOOPBACK\]/);
    const ca = await routes(['add', spec(`127.0.0.1:${await freePort()}`, `identity=${id},ca=/no/such/ca.pem`)]);
    expect(ca.code).toBe(6);
    expect(ca.stderr).toMatch(/^keyport: route bad: Cannot read CA file \/no\/such\/ca\.pem: .*\[KEYPORT_FILE_UNREADABLE\]\n$/);
    expect(await readFile(path.join(data.path, 'proxy.yaml'), 'utf8')).toBe(before);
  });

  it('regression: keyport remove deleted the identity a saved route presents (the daemon then ran no route); now refused, nothing touched', async () => {
    // A route may name it by a unique id prefix, as the proxy resolves it.
    expect((await routes(['add', `127.0.0.1:${await freePort()}=127.0.0.1:${whoami.port},identity=${id.slice(0, 8)},name=prefix`])).code).toBe(0);
    const before = await readFile(path.join(data.path, 'proxy.yaml'), 'utf8');
    const env = { ...hsm.env, KEYPORT_PIN: hsm.pin };
    const removed = await runCli(['--pkcs11-module', hsm.module, 'remove', id], { dataDir: data.path, env });
    expect(removed.code).toBe(7);
    expect(removed.stderr).toMatch(/^keyport: Cannot remove identity \S+ \(.*\): saved proxy settings use it \(route api, route prefix\); remove or change them first \(on the Proxy screen, or `keyport routes remove NAME`\).*\[KEYPORT_PROXY_IDENTITY_IN_USE\]\n$/);
    const shown = await runCli(['--pkcs11-module', hsm.module, 'show', id, '--json'], { dataDir: data.path, env });
    expect(shown.code).toBe(0);
    expect(await readFile(path.join(data.path, 'proxy.yaml'), 'utf8')).toBe(before);
    expect(await routes(['remove', 'prefix'])).toMatchObject({ code: 0, stdout: 'Removed route prefix\n' });
  });

  it('startConfiguredProxy serves the saved routes and picks up a route added or moved while it runs', async () => {
    proxy = await startConfiguredProxy(keyport, data.path, { audit: false });
    expect(proxy).toBeDefined();
    const port = proxy!.routePort('api')!;
    expect(JSON.parse((await get(port, '/whoami')).body.toString())).toMatchObject({ cn: 'daemon-alice' });
    const second = await freePort();
    expect((await routes(['add', `127.0.0.1:${second}=127.0.0.1:${whoami.port},identity=${id},ca=${ca.rootFile},servername=localhost,name=second`])).code).toBe(0);
    await waitUntil(() => proxy!.routePort('second') === second, { what: 'the added route', timeoutMs: 3000 });
    expect((await get(second, '/whoami')).status).toBe(200);
    // Edited in place (the app's routes.update): the running proxy moves the route to its new port.
    const api = (await loadSavedRoutes(data.path)).routes.find((r) => r.name === 'api')!;
    await expect(replaceSavedRoute(data.path, 'second', { ...api, listen: { host: '127.0.0.1', port: second } })).rejects.toMatchObject({ code: 'KEYPORT_ALREADY_EXISTS' });
    const moved = await freePort();
    await replaceSavedRoute(data.path, 'api', { ...api, listen: { host: '127.0.0.1', port: moved } });
    expect((await loadSavedRoutes(data.path)).routes.map((r) => [r.name, r.listen.port])).toEqual([['api', moved], ['second', second]]);
    await waitUntil(() => proxy!.routePort('api') === moved, { what: 'the moved route', timeoutMs: 3000 });
    expect((await get(moved, '/whoami')).status).toBe(200);
    expect((await routes(['remove', 'second'])).code).toBe(0);
    await waitUntil(() => proxy!.routePort('second') === undefined, { what: 'the removed route', timeoutMs: 3000 });
  });

  it('keyport daemon runs the saved routes beside the scheduler and stops on SIGTERM', async () => {
    await proxy?.close();
    proxy = undefined;
    const daemon = await startDaemon();
    try {
      const port = Number(/proxy-listening route="api" address="127\.0\.0\.1:(\d+)"/.exec(daemon.output())?.[1]);
      expect(port, daemon.output()).toBeGreaterThan(0);
      expect(JSON.parse((await get(port, '/whoami')).body.toString())).toMatchObject({ cn: 'daemon-alice' });
      process.kill(daemon.pid, 'SIGTERM');
      expect(await daemon.exited).toEqual({ code: 0, signal: null });
      expect(daemon.output()).toMatch(/stopped/);
    } finally {
      await daemon.stop();
    }
  });

  it('regression: a daemon started with no saved routes never ran the ones saved while it ran', async () => {
    for (const r of await loadSavedRoutes(data.path).then((c) => c.routes)) expect((await routes(['remove', r.name!])).code).toBe(0);
    const daemon = await startDaemon();
    try {
      const port = await freePort();
      expect((await routes(['add', `127.0.0.1:${port}=127.0.0.1:${whoami.port},identity=${id},ca=${ca.rootFile},servername=localhost,name=later`])).code).toBe(0);
      await waitUntil(() => /proxy-listening route="later"/.test(daemon.output()), { what: 'the route saved later', timeoutMs: 5000 });
      expect(JSON.parse((await get(port, '/whoami')).body.toString())).toMatchObject({ cn: 'daemon-alice' });
    } finally {
      await daemon.stop();
    }
  });
});
