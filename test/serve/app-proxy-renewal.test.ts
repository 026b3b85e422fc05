/**
 * The Proxy, Renewal and Audit screens' contract, end to end on the real services: a real
 * `keyport serve` (built CLI) on a private gnome-keyring, a real step-ca and an nginx that requires
 * a client certificate from the step-ca's CA. A route is saved and started through the contract and
 * curl goes through it to nginx with the identity; its counters arrive as `proxy.stats` events and
 * its session as an audit entry; "renew now" gets a new serial from step-ca; bad routes are refused
 * in one sentence and leave the saved routes as they were.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enroll, startEnrollBed, startNginx, type EnrollBed } from '../enroll/bed';
import { keychainBackend, type Backend } from '../identity/backends';
import { curl } from '../proxy/helpers';
import { requireBackend } from '../testbed/backend';
import { runCli } from '../testbed/cli';
import { freePort, tempDir, waitUntil, type TempDir } from '../testbed/proc';
import { STEP_CA_HINT, STEP_CA_PROBE } from '../testbed/step-ca';
import { NGINX_WHOAMI_PATH, TLS_SERVER_PROBES, type TlsServer } from '../testbed/tls-servers';
import { startServe, type ServeProcess } from './serve-process';

const missing = [
  requireBackend('step-ca', STEP_CA_PROBE, STEP_CA_HINT),
  requireBackend('openssl'),
  requireBackend('keyring'),
  requireBackend('tls-nginx', TLS_SERVER_PROBES.nginx),
].some((b) => b.missing);

describe.skipIf(missing)('routes, renewal and audit over keyport serve', () => {
  let bed: EnrollBed;
  let nginx: TlsServer;
  let keychain: Backend;
  let data: TempDir;
  let serve: ServeProcess;
  let id: string;
  let rootFile: { name: string; dataBase64: string };

  beforeAll(async () => {
    [bed, keychain, data] = await Promise.all([startEnrollBed({ certDuration: '10m' }), keychainBackend(), tempDir('app-proxy')]);
    nginx = await startNginx(bed.ca);
    id = await enroll(bed, keychain, data.path, 'app.example');
    rootFile = { name: 'root.pem', dataBase64: (await readFile(bed.ca.rootFile)).toString('base64') };
    serve = await startServe(data.path, keychain.env);
  }, 90_000);

  afterAll(async () => {
    await serve?.stop();
    await nginx?.stop();
    await Promise.all([bed?.stop(), keychain?.stop()]);
    await data?.remove();
  });

  it('saves and starts a route; curl goes through it with the identity, counted live and audited', async () => {
    const port = await freePort();
    const from = serve.events.length;
    const route = { name: 'web', listen: `127.0.0.1:${port}`, upstream: `127.0.0.1:${nginx.port}`, identity: id, ca: [rootFile], servername: 'localhost' };
    const added = await serve.call('routes.add', { route });
    expect(added, JSON.stringify(added.error)).toMatchObject({ ok: true, value: { running: false, routes: [{ name: 'web', listen: `127.0.0.1:${port}`, identity: id, ca: [expect.stringMatching(new RegExp(`^${path.join(data.path, 'route-ca', 'web-')}[0-9a-f]{8}\\.pem$`))] }] } });
    await serve.waitForEvent('routes.changed', undefined, { from });
    expect(await readFile(path.join(data.path, 'proxy.yaml'), 'utf8')).toContain(`upstream: 127.0.0.1:${nginx.port}`);

    const started = await serve.call('routes.start');
    expect(started, JSON.stringify(started.error)).toMatchObject({ ok: true, value: { running: true } });
    const r = await curl([`http://127.0.0.1:${port}${NGINX_WHOAMI_PATH}`, '-H', 'Host: localhost']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ subject: 'CN=app.example', verify: 'SUCCESS' });

    const stats = await serve.waitForEvent('proxy.stats', (s: { routes: Array<{ route: string; total: number; active: number }> }) => s.routes.some((x) => x.route === 'web' && x.total === 1 && x.active === 0), { from, timeoutMs: 5000 });
    expect(stats.data).toMatchObject({ running: true, routes: [{ route: 'web', handshakesFull: 1, bytesDown: expect.any(Number) }] });
    const listed = await serve.call('routes.list');
    expect(listed.value).toMatchObject({ running: true, routes: [{ name: 'web', stats: { total: 1, upstream: `127.0.0.1:${nginx.port}` } }] });

    await serve.waitForEvent('audit.changed', undefined, { from, timeoutMs: 5000 });
    const audit = await waitForAudit();
    expect(audit[0]).toMatchObject({ route: 'web', identity: id, upstream: `127.0.0.1:${nginx.port}`, result: 'ok' });
    expect((await serve.call('audit.list', { route: 'other' })).value).toEqual([]);
    expect((await serve.call('audit.list', { since: '2099-01-01T00:00:00Z' })).value).toEqual([]);

    const stopped = await serve.call('routes.stop');
    expect(stopped).toMatchObject({ ok: true, value: { running: false, routes: [{ name: 'web' }] } });
    expect((await curl([`http://127.0.0.1:${port}/`], 3000)).code).not.toBe(0);
  });

  it('edits a running route; refuses one that cannot work in one sentence, keeping the saved routes as they were', async () => {
    const before = (await serve.call('routes.list')).value;
    const base = { name: 'bad', upstream: `127.0.0.1:${nginx.port}`, identity: id };
    const open = await serve.call('routes.add', { route: { ...base, listen: '0.0.0.0:7443' } });
    expect(open).toMatchObject({ ok: false, error: { code: 'KEYPORT_PROXY_NON_LOOPBACK', message: expect.stringMatching(/loopback/) } });
    const notCa = await serve.call('routes.add', { route: { ...base, listen: '127.0.0.1:0', ca: [{ name: 'junk.pem', dataBase64: 'aGVsbG8=' }] } });
    expect(notCa.ok).toBe(false);
    expect(notCa.error?.message).toMatch(/junk\.pem/);
    // Regression: while stopped, a route naming no identity was saved, and the next start then failed for every route.
    const unknown = await serve.call('routes.add', { route: { ...base, identity: 'no-such-identity', listen: '127.0.0.1:0' } });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'KEYPORT_NOT_FOUND', message: expect.stringMatching(/^route bad: No identity "no-such-identity"/) } });
    // Running, a route whose port is taken does not listen, so it is not kept either.
    await serve.call('routes.start');
    const taken = await serve.call('routes.add', { route: { ...base, listen: `127.0.0.1:${serve.port}` } });
    expect(taken).toMatchObject({ ok: false, error: { code: 'KEYPORT_PROXY_PORT_IN_USE' } });
    expect((await serve.call('routes.list')).value).toMatchObject({ running: true, routes: (before as { routes: unknown[] }).routes.map(() => expect.anything()) });
    expect(((await serve.call('routes.list')).value as { routes: Array<{ name: string }> }).routes.map((x) => x.name)).toEqual(['web']);
    // Edited while running: the new address listens at once, with the old CA file kept out of the request.
    const moved = await freePort();
    const edited = await serve.call('routes.update', { name: 'web', route: { name: 'web', listen: `127.0.0.1:${moved}`, upstream: `127.0.0.1:${nginx.port}`, identity: id, ca: [rootFile], servername: 'localhost' } });
    expect(edited, JSON.stringify(edited.error)).toMatchObject({ ok: true, value: { running: true, routes: [{ name: 'web', listen: `127.0.0.1:${moved}` }] } });
    const through = await curl([`http://127.0.0.1:${moved}${NGINX_WHOAMI_PATH}`, '-H', 'Host: localhost']);
    expect(through.code, through.stderr).toBe(0);
    const refused = await serve.call('routes.update', { name: 'web', route: { name: 'web', listen: `127.0.0.1:${serve.port}`, upstream: `127.0.0.1:${nginx.port}`, identity: id } });
    expect(refused).toMatchObject({ ok: false, error: { code: 'KEYPORT_PROXY_PORT_IN_USE' } });
    expect((await serve.call('routes.list')).value).toMatchObject({ routes: [{ name: 'web', listen: `127.0.0.1:${moved}` }] });
    expect((await curl([`http://127.0.0.1:${moved}${NGINX_WHOAMI_PATH}`, '-H', 'Host: localhost'])).code, 'the old route still listens').toBe(0);
    expect(await serve.call('routes.update', { name: 'nope', route: { ...base, name: 'nope', listen: '127.0.0.1:0' } })).toMatchObject({ ok: false, error: { code: 'KEYPORT_NOT_FOUND' } });
    expect(await readdir(path.join(data.path, 'route-ca')), 'one CA file: the edit replaced it, the refusals left none').toHaveLength(1);
    const removed = await serve.call('routes.remove', { name: 'web' });
    expect(removed).toMatchObject({ ok: true, value: { routes: [] } });
    expect(await serve.call('routes.remove', { name: 'web' })).toMatchObject({ ok: false, error: { code: 'KEYPORT_NOT_FOUND' } });
    expect(await readdir(path.join(data.path, 'route-ca')), 'its CA file went with it').toEqual([]);
    await serve.call('routes.stop');
  });

  it('regression: started with no saved routes, the app never ran a route saved later by `keyport routes add`', async () => {
    expect(await serve.call('routes.start')).toMatchObject({ ok: true, value: { running: false, routes: [] } });
    const port = await freePort();
    const added = await runCli(['routes', 'add', `127.0.0.1:${port}=127.0.0.1:${nginx.port},identity=${id},ca=${bed.ca.rootFile},servername=localhost,name=cli`], { dataDir: data.path });
    expect(added.code, added.stderr).toBe(0);
    await waitUntil(async () => ((await serve.call('routes.list')).value as { running: boolean }).running, { what: 'the routes to start', timeoutMs: 5000 });
    const r = await curl([`http://127.0.0.1:${port}${NGINX_WHOAMI_PATH}`, '-H', 'Host: localhost']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ subject: 'CN=app.example' });
    await serve.call('routes.stop');
    expect(await serve.call('routes.remove', { name: 'cli' })).toMatchObject({ ok: true, value: { routes: [] } });
  });

  it('shows the schedule and renews now against step-ca: a new serial, the old one in the history', async () => {
    const shown = await serve.call('renewal.show', { id });
    expect(shown.value).toMatchObject({ id, configured: true, provider: { kind: 'step-ca', caUrl: bed.stepCa.url }, failures: 0, needsReenroll: false, history: [], nextRunAt: expect.any(String) });
    const before = ((await serve.call('identities.show', { id })).value as { serial: string }).serial;

    const from = serve.events.length;
    const renewed = await serve.call('renewal.renewNow', { id });
    expect(renewed, JSON.stringify(renewed.error)).toMatchObject({ ok: true, value: { id, previousSerial: before, rekeyed: false } });
    const serial = (renewed.value as { serial: string }).serial;
    expect(serial).not.toBe(before);
    await serve.waitForEvent('renewal.changed', (d: { id?: string }) => d.id === id, { from });
    // A renewal by the CLI in another process is announced too (the registry is watched). First the
    // watch's echo of the renewal above, so it cannot pass for the CLI's.
    await serve.waitForEvent('renewal.changed', (d: { id?: string }) => d.id === undefined, { from });
    await new Promise((r) => setTimeout(r, 300));
    const cliFrom = serve.events.length;
    const byCli = await runCli(['renew', id, '--json'], { dataDir: data.path, env: keychain.env });
    expect(byCli.code, byCli.stderr).toBe(0);
    await serve.waitForEvent('renewal.changed', undefined, { from: cliFrom, timeoutMs: 5000 });
    const afterCli = JSON.parse(byCli.stdout) as { serial: string };
    await serve.waitForEvent('identities.changed', (d: { id?: string }) => d.id === id, { from });
    expect(((await serve.call('identities.show', { id })).value as { serial: string }).serial).toBe(afterCli.serial);
    expect((await serve.call('renewal.show', { id })).value).toMatchObject({ history: [{ serial: before, reason: 'renew' }, { serial, reason: 'renew' }] });

    const roots = await serve.call('renewal.refreshRoots');
    expect(roots).toMatchObject({ ok: true, value: [{ caUrl: bed.stepCa.url, roots: 1, added: 0, removed: 0 }] });
    expect(await serve.call('renewal.show', { id: 'no-such-identity' })).toMatchObject({ ok: false, error: { code: 'KEYPORT_NOT_FOUND' } });
  });

  it('switches an identity to manual renewal and back to step-ca', async () => {
    const manual = await serve.call('renewal.set', { id, provider: { kind: 'manual' }, notifyBefore: [3600] });
    expect(manual.value).toMatchObject({ configured: true, provider: { kind: 'manual' }, notifyBefore: [3600] });
    expect(manual.value).not.toHaveProperty('nextRunAt');
    const step = await serve.call('renewal.set', { id, provider: { kind: 'step-ca', caUrl: bed.stepCa.url, root: rootFile }, at: 0.5 });
    expect(step, JSON.stringify(step.error)).toMatchObject({ ok: true, value: { provider: { kind: 'step-ca' }, at: 0.5 } });
  });

  /** The audit log is written after the session ends; the page reads it when asked. */
  async function waitForAudit(): Promise<Array<Record<string, unknown>>> {
    for (let i = 0; i < 50; i++) {
      const entries = (await serve.call('audit.list', { since: '1h', limit: 10 })).value as Array<Record<string, unknown>>;
      if (entries.length > 0) return entries;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('no audit entry after 5 s');
  }
});
