/**
 * A SoftHSM identity behind a route to a TLS 1.2-only server (every connection a full handshake,
 * so every one signs on the token): the token host killed under load (the connections it was
 * signing for fail with a code, the next ones work on a new host), a proxy without a PIN (the
 * connection fails with KEYPORT_PIN_REQUIRED, an event is printed, the audit log says why), and one
 * with a wrong PIN file (the token is asked once, not at every connection).
 */
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { softhsmBackend, type Backend } from '../identity/backends';
import { requireBackend } from '../testbed/backend';
import { createTestCa, type TestCa } from '../testbed/ca';
import { tempDir, waitUntil, type TempDir } from '../testbed/proc';
import { get, load } from './client';
import { freePort, routeStatus, runCli, startProxyCli } from './helpers';
import { startWhoamiServer, type WhoamiServer } from './whoami-server';

const missing = requireBackend('openssl').missing || requireBackend('softhsm2').missing;

/** PIDs of the direct children of `pid` (the token host is the proxy's only one). */
function children(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).split('\n').map((l) => Number(l.trim())).filter((n) => n > 0);
  } catch {
    return [];
  }
}

describe.skipIf(missing)('keyport proxy with a token identity: token host faults and PINs', () => {
  let ca: TestCa;
  let backend: Backend;
  let data: TempDir;
  let whoami: WhoamiServer;
  let id: string;
  const stops: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    [ca, backend, data] = await Promise.all([createTestCa({ ec: true }), softhsmBackend(), tempDir('proxy-token')]);
    const server = await ca.issueServer({ sans: ['DNS:localhost', 'IP:127.0.0.1'], ec: true });
    whoami = await startWhoamiServer({ keyFile: server.keyFile, chainPem: server.chainPem, caFile: ca.rootFile, maxVersion: 'TLSv1.2' });
    const cli = (args: string[]) => runCli([...backend.flags, ...args], { dataDir: data.path, env: backend.env });
    const key = await cli(['keygen', '--to', backend.to, '--alg', 'EC-P256', '--subject', 'CN=token-alice', '--json']);
    expect(key.stderr).toBe('');
    const { keyId, csr } = JSON.parse(key.stdout) as { keyId: string; csr: string };
    const certFile = path.join(data.path, 'issued.pem');
    await writeFile(certFile, await ca.signCsr(csr, { eku: ['clientAuth'] }));
    id = (JSON.parse((await cli(['attach', keyId, certFile, '--json'])).stdout) as { id: string }).id;
  }, 90_000);

  afterAll(async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
    await whoami?.stop();
    await Promise.allSettled([ca?.stop(), backend?.stop()]);
    await data?.remove();
  });

  const route = (port: number) => `127.0.0.1:${port}=127.0.0.1:${whoami.port},identity=${id},ca=${ca.rootFile},servername=localhost`;

  it('the token host killed under load: its connections fail with a code, the next ones work', async () => {
    const port = await freePort();
    const proxy = await startProxyCli(data.path, ['--route', route(port)], { env: backend.env, globals: backend.flags });
    stops.push(() => proxy.stop());
    expect((await get(port, '/whoami')).status).toBe(200);
    const [host] = children(proxy.proc.pid);
    expect(host).toBeGreaterThan(0);
    let killedAt = -1;
    let done = 0;
    const after: boolean[] = [];
    const { ok, failures } = await load(8, 40, async (c, i) => {
      if (c === 0 && i === 10) {
        process.kill(host!, 'SIGKILL');
        killedAt = done;
      }
      const r = await get(port, '/whoami').catch((e: Error) => ({ status: 0, body: Buffer.from(e.message) }));
      done++;
      if (killedAt >= 0 && done > killedAt + 40) after.push(r.status === 200);
      if (r.status === 0) throw new Error(r.body.toString());
      return r;
    });
    expect(killedAt).toBeGreaterThanOrEqual(0);
    expect(ok + failures.length).toBe(320);
    // Only the handshakes in flight when the host died may fail (at most one per client).
    expect(failures.length).toBeLessThanOrEqual(8);
    expect(after.length).toBeGreaterThan(100);
    expect(after.every(Boolean)).toBe(true);
    const [newHost] = children(proxy.proc.pid);
    expect(newHost).toBeGreaterThan(0);
    expect(newHost).not.toBe(host);
    const stats = await routeStatus(proxy);
    const codes = Object.keys(stats.errors as object);
    expect(codes.every((c) => /^KEYPORT_[A-Z_]+$/.test(c) && c !== 'KEYPORT_INTERNAL')).toBe(true);
    expect(Object.values(stats.errors as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(failures.length);
    console.log(`token host killed under load: ${failures.length} of 320 connections failed (${codes.join(', ') || 'none in flight'}), ${after.length} later ones all worked`);
    await proxy.stop();
  }, 120_000);

  it('without a PIN the connection fails with KEYPORT_PIN_REQUIRED and the proxy says so', async () => {
    const port = await freePort();
    const { KEYPORT_PIN: _pin, ...noPin } = backend.env;
    const proxy = await startProxyCli(data.path, ['--route', route(port)], { env: noPin, globals: backend.flags });
    stops.push(() => proxy.stop());
    await expect(get(port, '/whoami')).rejects.toThrow(/socket hang up|ECONNRESET/);
    await waitUntil(() => /needs its PIN/.test(proxy.proc.output()), { what: 'the PIN event', timeoutMs: 5000 });
    expect(proxy.proc.output()).toMatch(/keyport proxy: token "[^"]+" needs its PIN: connections that need it fail until the proxy is started with --pin-file FILE or KEYPORT_PIN \[KEYPORT_PIN_REQUIRED\]/);
    expect((await routeStatus(proxy)).errors).toMatchObject({ KEYPORT_PIN_REQUIRED: 1 });
    // Regression: the CLI's line told the user to "enter it in Keyport", which only the app can take.
    await waitUntil(() => /needs its PIN and none is cached/.test(proxy.proc.output()), { what: 'the failed session line', timeoutMs: 5000 });
    expect(proxy.proc.output()).toMatch(/^keyport proxy: route \S+: Token "[^"]+" needs its PIN and none is cached: start the proxy again with --pin-file FILE or KEYPORT_PIN set\. \[KEYPORT_PIN_REQUIRED\]$/m);
    await proxy.stop();
    const audit = JSON.parse((await runCli(['audit', '--json'], { dataDir: data.path })).stdout) as Array<{ result: string }>;
    expect(audit.at(-1)).toMatchObject({ result: 'KEYPORT_PIN_REQUIRED' });
  }, 60_000);

  it('regression: a wrong --pin-file PIN was tried at every connection (a smartcard locks after three); now once, and a fixed file is read again', async () => {
    const port = await freePort();
    const { KEYPORT_PIN: pin, ...noPin } = backend.env;
    const pinFile = path.join(data.path, 'pin.txt');
    await writeFile(pinFile, 'not-the-pin\n', { mode: 0o600 });
    const proxy = await startProxyCli(data.path, ['--route', route(port)], { env: noPin, globals: [...backend.flags, '--pin-file', pinFile] });
    stops.push(() => proxy.stop());
    for (let i = 0; i < 3; i++) await expect(get(port, '/whoami')).rejects.toThrow(/socket hang up|ECONNRESET/);
    // Three refusals in three lines: the token's, the first "already refused", and (the same sentence again being held back for 5 s) its count.
    await waitUntil(() => (proxy.proc.output().match(/KEYPORT_PIN_INCORRECT/g) ?? []).length === 3, { what: 'three refusals said', timeoutMs: 10_000 });
    const out = proxy.proc.output();
    expect(out.match(/Cannot log in to token "[^"]+": wrong PIN/g), 'the token saw the wrong PIN once').toHaveLength(1);
    expect(out.match(/already refused the PIN from --pin-file or KEYPORT_PIN/g)).toHaveLength(1);
    expect(out).toMatch(/: 1 more connection failed the same way in the last 5 s \(each is in the audit log\)\. \[KEYPORT_PIN_INCORRECT\]/);
    await writeFile(pinFile, `${pin}\n`);
    expect((await get(port, '/whoami')).status).toBe(200);
    await proxy.stop();
  }, 60_000);
});
