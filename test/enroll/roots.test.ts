/**
 * Root rotation with a real step-ca: the CA is restarted publishing a second root, then issuing from
 * it, then without the first. The running daemon refreshes the trust bundle on its schedule (no
 * restart) and renews through the rotated CA; `roots refresh` reports what changed; a server whose
 * certificate chains to the new root is trusted through the bundle file; a root that disappears is a
 * warning.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keychainBackend, type Backend } from '../identity/backends';
import { requireBackend } from '../testbed/backend';
import { createTestCa, type TestCa } from '../testbed/ca';
import { tempDir, type TempDir } from '../testbed/proc';
import { STEP_CA_HINT, STEP_CA_PROBE } from '../testbed/step-ca';
import { NGINX_WHOAMI_PATH, startTlsServer, TLS_SERVER_PROBES, type TlsServer } from '../testbed/tls-servers';
import { cli, enroll, json, startDaemon, startEnrollBed, type Daemon, type EnrollBed } from './bed';

const missing = [
  requireBackend('step-ca', STEP_CA_PROBE, STEP_CA_HINT),
  requireBackend('keyring'),
  requireBackend('tls-nginx', TLS_SERVER_PROBES.nginx),
].some((b) => b.missing);

describe.skipIf(missing)('root rotation', () => {
  let bed: EnrollBed;
  let next: TestCa;
  let b: Backend;
  let data: TempDir;
  let daemon: Daemon | undefined;
  const servers: TlsServer[] = [];
  beforeAll(async () => {
    [bed, next, b, data] = await Promise.all([startEnrollBed({ certDuration: '10m' }), createTestCa({ ec: true }), keychainBackend(), tempDir('enroll-roots')]);
  }, 60_000);
  afterAll(async () => {
    await daemon?.proc.stop();
    await Promise.all(servers.map((s) => s.stop()));
    await b?.stop();
    await data?.remove();
    await next?.stop();
    await bed?.stop();
  });

  /** nginx with a server certificate from `serverCa`, asking for client certificates of `clientCa`. */
  async function nginx(serverCa: TestCa, clientCa: TestCa): Promise<TlsServer> {
    const cert = await serverCa.issueServer({ sans: ['127.0.0.1'], ec: true });
    const s = await startTlsServer('nginx', { version: 'TLSv1.3', certFile: cert.certFile, keyFile: cert.keyFile, chainFile: serverCa.intermediateFile, clientCaFile: clientCa.chainFile });
    servers.push(s);
    return s;
  }

  it('picks up a new root without a restart, renews through it, and warns when a root is dropped', async () => {
    const clockFile = path.join(bed.scratch.path, 'clock');
    await writeFile(clockFile, '0');
    const id = await enroll(bed, b, data.path, 'rotate.example');
    const refresh0 = await json(b, data.path, ['roots', 'refresh']);
    expect(refresh0).toHaveLength(1);
    const bundle: string = refresh0[0].file;
    expect(refresh0[0].roots).toHaveLength(1);
    daemon = await startDaemon(b, data.path, ['--roots-every', '2'], { KEYPORT_TEST_CLOCK_OFFSET_FILE: clockFile });

    // 1. The CA publishes the new root beside the old one: the daemon's scheduled refresh adds it.
    await bed.restart({ extraRootFiles: [next.rootFile] });
    await daemon.waitFor('roots-refreshed', { timeoutMs: 20_000 });
    expect(daemon.lines('roots-refreshed')[0]).toContain('added=1');
    expect(await readFile(bundle, 'utf8')).toContain(pemBody(next.rootPem));
    const again = await json(b, data.path, ['roots', 'refresh']);
    expect(again[0]).toMatchObject({ added: [], removed: [], warnings: [] });
    expect(again[0].roots).toHaveLength(2);
    // A server with the new chain is trusted through the bundle file, as a route's ca= would be.
    const newServer = await nginx(next, bed.ca);
    await expectTest(newServer, id, bundle, 0);

    // 2. The CA issues from the new root: the running daemon renews through it (clock moved to the renewal point).
    await bed.restart({ ca: next, extraRootFiles: [bed.ca.rootFile] });
    const onlyNew = await nginx(next, next);
    await expectTest(onlyNew, id, bundle, 7);
    await writeFile(clockFile, String(8 * 60_000));
    await daemon.waitFor('renewed', { id, timeoutMs: 20_000 });
    await expectTest(onlyNew, id, bundle, 0);

    // 3. The old root is dropped: a warning, not a silent change (daemon stopped, so the CLI sees the change).
    await daemon.proc.stop();
    daemon = undefined;
    await bed.restart({ ca: next, extraRootFiles: [] });
    const r = await cli(b, data.path, ['roots', 'refresh', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout)[0];
    expect(report.removed).toHaveLength(1);
    expect(r.stderr).toMatch(/warning: the CA at .* no longer publishes root/);
    expect(await readFile(bundle, 'utf8')).not.toContain(pemBody(bed.ca.rootPem));
  }, 180_000);

  async function expectTest(server: TlsServer, id: string, ca: string, code: number): Promise<void> {
    const r = await cli(b, data.path, ['test', `https://127.0.0.1:${server.port}${NGINX_WHOAMI_PATH}`, '--identity', id, '--ca', ca, '--json']);
    expect(r.code, r.stdout.slice(0, 400) + r.stderr).toBe(code);
  }
});

/** The base64 body of a PEM, to find it in a bundle whatever the line breaks. */
function pemBody(pem: string): string {
  return pem.split('\n').filter((l) => l && !l.startsWith('-----')).slice(0, 2).join('\n');
}
