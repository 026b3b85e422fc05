/**
 * Connection handling of a route, against the Node TLS echo server: half-close (the client ends
 * its side and still gets every byte back), the idle timeout, the per-route connection limit, and
 * the bytes up of a session whose handshake is refused (none), an early answer to an upload, and a
 * proxy stopped mid-download.
 * Plus the PIN vault on its own (memory only, idle expiry, lock now).
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PinVault } from '../../src/core/proxy/pin-vault';
import { isKeyportError } from '../../src/shared/errors';
import { keychainBackend, type Backend } from '../identity/backends';
import { requireBackend } from '../testbed/backend';
import { createTestCa, type TestCa } from '../testbed/ca';
import { tempDir, waitUntil, type TempDir } from '../testbed/proc';
import { startScriptedServer, startTlsServer, TLS_SERVER_PROBES, type RawServer, type TlsServer } from '../testbed/tls-servers';
import { startJsonLineServer } from '../testbed/tls-servers/json-lines';
import { curl, freePort, routeStatus, runCli, startProxyCli, type ProxyProc } from './helpers';
import { startWhoamiServer } from './whoami-server';

const EARLY_ANSWER = fileURLToPath(new URL('../servers/early-answer.mjs', import.meta.url));
const missing = requireBackend('openssl').missing || requireBackend('keyring').missing || requireBackend('tls-node', TLS_SERVER_PROBES.node).missing;

/** Connects to the route; resolves once the socket is connected. */
function open(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => resolve(s));
    s.on('error', reject);
  });
}

/** Everything the peer sends until it ends or resets, and which of the two. */
function drain(s: net.Socket): Promise<{ data: Buffer; how: string }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const done = (how: string): void => {
      s.destroy();
      resolve({ data: Buffer.concat(chunks), how });
    };
    s.on('data', (b) => chunks.push(b));
    s.on('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
    s.on('end', () => done('end'));
    s.on('close', () => done('close'));
  });
}

describe.skipIf(missing)('route connections: half-close, idle timeout, connection limit', () => {
  let ca: TestCa;
  let backend: Backend;
  let data: TempDir;
  let echo: TlsServer;
  let proxy: ProxyProc;
  let halfPort: number;
  let idlePort: number;
  let limitPort: number;
  let refusedPort: number;
  let refuser: RawServer;

  beforeAll(async () => {
    [ca, backend, data] = await Promise.all([createTestCa({ ec: true }), keychainBackend(), tempDir('proxy-conns')]);
    const [server, alice] = await Promise.all([ca.issueServer({ sans: ['DNS:localhost'], ec: true }), ca.issueClient({ cn: 'conn-alice', ec: true })]);
    echo = await startTlsServer('node', { version: 'TLSv1.3', certFile: server.certFile, keyFile: server.keyFile, chainFile: ca.intermediateFile, clientCaFile: ca.rootFile });
    // Refuses every handshake with a fatal handshake_failure alert, late enough that the client's first bytes are in.
    refuser = await startScriptedServer(async (s) => {
      s.on('data', () => undefined);
      await delay(300);
      s.end(Buffer.from([21, 3, 3, 0, 2, 2, 40]));
    });
    expect((await runCli(['import', alice.chainFile, '--key', alice.keyFile, '--json'], { dataDir: data.path, env: backend.env })).stderr).toBe('');
    [halfPort, idlePort, limitPort, refusedPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const to = `127.0.0.1:${echo.port},identity=conn-alice,ca=${ca.rootFile},servername=localhost`;
    proxy = await startProxyCli(data.path, ['--route', `127.0.0.1:${halfPort}=${to},name=half`, '--route', `127.0.0.1:${idlePort}=${to},name=idle,idle=1`, '--route', `127.0.0.1:${limitPort}=${to},name=limit,limit=2`, '--route', `127.0.0.1:${refusedPort}=127.0.0.1:${refuser.port},identity=conn-alice,ca=${ca.rootFile},name=refused`], { env: backend.env });
  }, 90_000);

  afterAll(async () => {
    await proxy?.stop();
    await Promise.allSettled([echo?.stop(), refuser?.stop(), ca?.stop(), backend?.stop()]);
    await data?.remove();
  });

  it('half-close: the client ends its side after 4 MB and still gets all 4 MB back', async () => {
    const payload = randomBytes(4 * 1024 * 1024);
    const s = await open(halfPort);
    const answer = drain(s);
    s.end(payload);
    const { data: back, how } = await answer;
    expect(how).toBe('end');
    expect(back.length).toBe(payload.length);
    expect(createHash('sha256').update(back).digest('hex')).toBe(createHash('sha256').update(payload).digest('hex'));
  });

  it('regression: a client that sent its bytes and FIN before the upstream handshake finished (printf ... | nc -N) got an empty answer; now the echo', async () => {
    // Also why the connection-limit test below failed now and then under load: its kept connections
    // send and end at once, and a slow handshake was still running.
    for (let i = 0; i < 10; i++) {
      const s = await open(halfPort);
      const answer = drain(s);
      s.end(`request ${i}`);
      expect(await answer).toEqual({ data: Buffer.from(`request ${i}`), how: 'end' });
    }
  });

  it('idle timeout: a connection quiet for longer than idle= is closed and counted', async () => {
    const s = await open(idlePort);
    const answer = drain(s);
    s.write('ping');
    const t0 = Date.now();
    const { data: back } = await answer;
    expect(back.toString()).toBe('ping');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(Date.now() - t0).toBeLessThan(5000);
    await waitUntil(async () => ((await routeStatus(proxy, 'idle')).errors as Record<string, number>).KEYPORT_PROXY_IDLE_TIMEOUT === 1, { what: 'idle timeout counted', timeoutMs: 3000 });
  });

  it('connection limit: a third concurrent connection is closed at once (said once), the first two work', async () => {
    const a = await open(limitPort);
    const b = await open(limitPort);
    await waitUntil(async () => (await routeStatus(proxy, 'limit')).active === 2, { what: 'two active', timeoutMs: 3000 });
    for (let i = 0; i < 2; i++) expect((await drain(await open(limitPort))).data.length).toBe(0);
    for (const s of [a, b]) {
      const answer = drain(s);
      s.end('still here');
      const { data: back, how } = await answer;
      expect(back.toString(), `ended by ${how}; the proxy said:\n${proxy.proc.output()}`).toBe('still here');
    }
    expect((await routeStatus(proxy, 'limit')).errors).toMatchObject({ KEYPORT_PROXY_ROUTE_FULL: 2 });
    // Regression: refusals were counted but never said; one line per time the route fills up.
    const said = (): number => proxy.proc.output().match(/route limit: This route's limit of 2 open connections is reached; .* \[KEYPORT_PROXY_ROUTE_FULL\]/g)?.length ?? 0;
    await waitUntil(() => said() > 0, { what: 'the refusal said', timeoutMs: 3000 });
    expect(said()).toBe(1);
  });

  it('regression: a session whose handshake failed counted the request it never sent as bytes up; now 0', async () => {
    const s = await open(refusedPort);
    const answer = drain(s);
    s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'); // taken while the handshake runs, then refused with it
    expect((await answer).data.length).toBe(0);
    await waitUntil(async () => Object.keys((await routeStatus(proxy, 'refused')).errors as object).length === 1, { what: 'refusal counted', timeoutMs: 5000 });
    expect(await routeStatus(proxy, 'refused')).toMatchObject({ bytesUp: 0, bytesDown: 0, handshakesFull: 0 });
    const audit = await runCli(['audit', '--json'], { dataDir: data.path, env: backend.env });
    const lines = JSON.parse(audit.stdout) as Array<{ route: string; bytesUp: number; result: string }>;
    expect(lines.filter((l) => l.route === 'refused')).toEqual([expect.objectContaining({ bytesUp: 0, result: expect.stringMatching(/^KEYPORT_TLS_/) })]);
  });

  it('regression: an early answer to an upload (413 while the body flows, then the server closes) was lost, the client reset, and a session could stay open for good; now curl gets the 413 as it does directly', async () => {
    const server = await ca.issueServer({ sans: ['DNS:localhost'], ec: true });
    const o = { version: 'TLSv1.3', certFile: server.certFile, keyFile: server.keyFile, chainFile: ca.intermediateFile, clientCaFile: ca.rootFile } as const;
    const modes = ['close-notify', 'vanish'] as const;
    const upstreams = await Promise.all(modes.map((m) => startJsonLineServer('early-answer', process.execPath, [EARLY_ANSWER, '--mode', m], o)));
    const ports = [await freePort(), await freePort()];
    const routes = modes.flatMap((m, i) => ['--route', `127.0.0.1:${ports[i]}=127.0.0.1:${upstreams[i]!.port},identity=conn-alice,ca=${ca.rootFile},servername=localhost,name=${m}`]);
    const own = await startProxyCli(data.path, routes, { env: backend.env });
    const upload = path.join(data.path, 'upload.bin');
    await writeFile(upload, Buffer.alloc(20 * 1024 * 1024, 7));
    try {
      for (const [i, mode] of modes.entries()) {
        for (let n = 0; n < 5; n++) {
          const r = await curl(['-w', ' %{http_code}', '-H', 'Expect:', '--data-binary', `@${upload}`, `http://127.0.0.1:${ports[i]}/up`]);
          expect({ mode, code: r.code, out: r.stdout, err: r.stderr }).toEqual({ mode, code: 0, out: 'too big\r\n 413', err: '' });
        }
        // The client's last bytes are read and dropped until it closes; then the session ends.
        await waitUntil(async () => (await routeStatus(own, mode)).active === 0, { what: `the ${mode} sessions to end`, timeoutMs: 8000 });
      }
    } finally {
      await own.stop();
      await Promise.allSettled(upstreams.map((u) => u.stop()));
      await rm(upload, { force: true });
    }
  });

  it('regression: a proxy stopped (SIGINT) during a download kept running, draining the answer nobody read; now it closes and exits', async () => {
    const server = await ca.issueServer({ sans: ['DNS:localhost'], ec: true });
    const whoami = await startWhoamiServer({ keyFile: server.keyFile, chainPem: server.chainPem, caFile: ca.rootFile });
    const port = await freePort();
    const own = await startProxyCli(data.path, ['--route', `127.0.0.1:${port}=127.0.0.1:${whoami.port},identity=conn-alice,ca=${ca.rootFile},servername=localhost,name=stopped`], { env: backend.env });
    try {
      // curl reads until recv() says ECONNRESET (exit 56: cut) or sees a FIN (exit 18: bytes
      // missing). Node's own client cannot judge this: libuv reads a reset that arrives behind
      // unread data as a plain end (POLLHUP after a partial read), which made this test flaky.
      const download = curl(['-o', '/dev/null', `http://127.0.0.1:${port}/bytes?n=100000000000`], 60_000); // 100 GB: far more than the test's lifetime
      await waitUntil(async () => ((await routeStatus(own)).bytesDown as number) > 1e6, { what: 'the download to flow', timeoutMs: 10_000 });
      process.kill(own.proc.pid, 'SIGINT');
      const exited = await Promise.race([own.proc.exited, delay(5000).then(() => 'still running')]);
      expect(exited).toEqual({ code: 0, signal: null });
      const cut = await download;
      expect({ code: cut.code, stderr: cut.stderr.trim() }).toEqual({ code: 56, stderr: expect.stringMatching(/reset by peer/i) });
      const audit = JSON.parse((await runCli(['audit', '--json'], { dataDir: data.path, env: backend.env })).stdout) as Array<{ route: string; result: string }>;
      expect(audit.filter((l) => l.route === 'stopped')).toEqual([expect.objectContaining({ result: 'KEYPORT_PROXY_STOPPED' })]);
    } finally {
      await own.stop();
      await whoami.stop();
    }
  });

  it('regression: an alpn=h2 route to a server without HTTP/2 failed as "closed without close_notify" only; now the line says it took none of the protocols offered', async () => {
    // A TLS server that takes no ALPN protocol and drops the connection at the HTTP/2 preface.
    const server = await ca.issueServer({ sans: ['DNS:localhost'], ec: true });
    const plain = tls.createServer({ key: await readFile(server.keyFile), cert: server.chainPem, ca: await readFile(ca.rootFile), requestCert: true, rejectUnauthorized: true }, (s) => {
      s.on('error', () => undefined);
      s.once('data', () => s.destroy());
    });
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    const port = await freePort();
    const upstream = (plain.address() as net.AddressInfo).port;
    const own = await startProxyCli(data.path, ['--route', `127.0.0.1:${port}=127.0.0.1:${upstream},identity=conn-alice,ca=${ca.rootFile},servername=localhost,alpn=h2,name=h2`], { env: backend.env });
    try {
      const sock = net.connect(port, '127.0.0.1', () => sock.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'));
      sock.on('error', () => undefined);
      sock.resume();
      const said = () => /^keyport proxy: route h2: The upstream closed the connection without close_notify; the stream may be cut\. The upstream agreed on none of the ALPN protocols the route offers \(h2\): does it speak them\? \[KEYPORT_TLS_CLOSED\]$/m.test(own.proc.output());
      await waitUntil(said, { what: 'the hint', timeoutMs: 5000 }).catch((e: Error) => {
        throw new Error(`${e.message}: ${own.proc.output()}`);
      });
      sock.destroy();
    } finally {
      await own.stop();
      await new Promise((resolve) => plain.close(resolve));
    }
  });

  it('regression: the HTTP proxy stopped during a download audited the cut session as ok and ended the answer cleanly; now it is KEYPORT_PROXY_STOPPED and a reset, as on a route', async () => {
    const server = await ca.issueServer({ sans: ['DNS:localhost'], ec: true });
    const whoami = await startWhoamiServer({ keyFile: server.keyFile, chainPem: server.chainPem, caFile: ca.rootFile });
    const port = await freePort();
    const own = await startProxyCli(data.path, ['--http-proxy', `127.0.0.1:${port}`, '--http-rule', `host=localhost,identity=conn-alice,ca=${ca.rootFile}`], { env: backend.env });
    try {
      const download = curl(['-x', `http://127.0.0.1:${port}`, '-o', '/dev/null', `http://localhost:${whoami.port}/bytes?n=100000000000`], 60_000);
      const forwarded = async () => ((await (await fetch(`${own.statusUrl}/status`)).json()) as { httpProxy: { bytesDown: number } }).httpProxy.bytesDown;
      await waitUntil(async () => (await forwarded()) > 1e6, { what: 'the download to flow', timeoutMs: 10_000 });
      process.kill(own.proc.pid, 'SIGINT');
      expect(await Promise.race([own.proc.exited, delay(5000).then(() => 'still running')])).toEqual({ code: 0, signal: null });
      const cut = await download;
      expect({ code: cut.code, stderr: cut.stderr.trim() }).toEqual({ code: 56, stderr: expect.stringMatching(/reset by peer/i) });
      const audit = JSON.parse((await runCli(['audit', '--json'], { dataDir: data.path, env: backend.env })).stdout) as Array<{ route: string; upstream: string; result: string }>;
      expect(audit.filter((l) => l.upstream === `localhost:${whoami.port}`)).toEqual([expect.objectContaining({ route: 'http-proxy', result: 'KEYPORT_PROXY_STOPPED' })]);
    } finally {
      await own.stop();
      await whoami.stop();
    }
  });
});

describe('PIN vault', () => {
  const token = { module: '/usr/lib/softhsm/libsofthsm2.so', token: 'alice' };

  it('without a PIN: KEYPORT_PIN_REQUIRED and one event; a provided PIN is used; lock forgets it', async () => {
    const asked: string[] = [];
    let locks = 0;
    const vault = new PinVault({ onPinRequired: (t) => asked.push(t.token), onLock: async () => void locks++ });
    const err = await vault.source(token).catch((e: unknown) => e);
    expect(isKeyportError(err, 'KEYPORT_PIN_REQUIRED')).toBe(true);
    expect((err as Error).message).toBe('Token "alice" needs its PIN and none is cached: enter it in Keyport, or start the proxy with --pin-file FILE or KEYPORT_PIN set.');
    expect(asked).toEqual(['alice']);
    vault.provide(token, '1234');
    expect(await vault.source(token)).toBe('1234');
    expect(vault.cached()).toEqual([token]);
    await vault.lock();
    expect(locks).toBe(1);
    expect(vault.cached()).toEqual([]);
    await expect(vault.source(token)).rejects.toThrow(/needs its PIN/);
  });

  it('forgets a PIN unused for the idle time and locks the tokens', async () => {
    let locks = 0;
    const vault = new PinVault({ idleMs: 1000, onLock: async () => void locks++ });
    vault.provide(token, '1234');
    await waitUntil(() => locks === 1, { what: 'idle lock', timeoutMs: 4000 });
    expect(vault.cached()).toEqual([]);
    vault.stopTimer();
  });

  it('falls back to --pin-file / KEYPORT_PIN when given', async () => {
    const vault = new PinVault({ fallback: async () => 'from-file' });
    expect(await vault.source(token)).toBe('from-file');
  });

  it('regression: a PIN the token refused was given again at every connection (a smartcard locks after three); now never twice', async () => {
    let filePin = '9999';
    const vault = new PinVault({ fallback: async () => filePin });
    expect(await vault.source(token)).toBe('9999');
    vault.rejected(token, '9999');
    const again = await vault.source(token).catch((e: unknown) => e);
    expect(isKeyportError(again, 'KEYPORT_PIN_INCORRECT')).toBe(true);
    expect((again as Error).message).toMatch(/^Token "alice" already refused the PIN from --pin-file or KEYPORT_PIN/);
    expect(await vault.source({ ...token, token: 'bob' }), 'another token is not affected').toBe('9999');
    filePin = '1234'; // the user fixed the file
    expect(await vault.source(token)).toBe('1234');

    const asked: string[] = [];
    const prompted = new PinVault({ onPinRequired: (t) => asked.push(t.token) });
    prompted.provide(token, '0000');
    prompted.rejected(token, '0000');
    expect(prompted.cached(), 'a refused cached PIN is forgotten').toEqual([]);
    await expect(prompted.source(token)).rejects.toThrow(/needs its PIN/);
    expect(asked, 'so the app asks again').toEqual(['alice']);
  });
});
