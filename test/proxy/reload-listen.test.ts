/**
 * A reload that moves a listener, through the built CLI against nginx with `ssl_verify_client on`:
 * a named route (and the HTTP forward proxy) whose listen port changes in the watched `--config`
 * file binds the new port, stops accepting on the old one, and keeps the connections it already
 * had (a request in flight included); a route renamed on the same port listens under its new name;
 * a new port that is taken refuses the whole reload in one sentence and leaves everything running as
 * it was (SIGHUP); a forward proxy removed from the file answers the request in flight, then closes;
 * routes taking over each other's ports along a chain move in order, and a swap is refused whole;
 * another name for the bound address (localhost for 127.0.0.1) keeps the listener.
 */
import { promises as fs } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keychainBackend, type Backend } from '../identity/backends';
import { requireBackend } from '../testbed/backend';
import { createTestCa, type TestCa } from '../testbed/ca';
import { portOpen, tempDir, waitUntil, type TempDir } from '../testbed/proc';
import { NGINX_ECHO_PATH, NGINX_WHOAMI_PATH, startTlsServer, TLS_SERVER_PROBES, type TlsServer } from '../testbed/tls-servers';
import { get } from './client';
import { freePort, runCli, startProxyCli, type ProxyProc } from './helpers';

const missing = requireBackend('openssl').missing || requireBackend('keyring').missing || requireBackend('tls-nginx', TLS_SERVER_PROBES.nginx).missing;

interface Status {
  routes: Array<Record<string, unknown>>;
  httpProxy?: Record<string, unknown>;
  lastReload?: { at: string; result: string };
}

/** GET `url` through the HTTP forward proxy on `port` (an absolute URL, as HTTP_PROXY clients send). */
function viaForwardProxy(port: number, url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: url, agent: false, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (b: Buffer) => chunks.push(b));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

/** A POST through the forward proxy that sends half its body now and the rest when finish() is called. */
function slowUpload(port: number, url: string, half: string): { finish(): Promise<{ status: number; body: string }> } {
  const req = http.request({ host: '127.0.0.1', port, path: url, method: 'POST', agent: false, headers: { 'content-length': String(half.length * 2) } });
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (b: Buffer) => chunks.push(b));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
  req.write(half);
  return {
    finish: () => {
      req.end(half);
      return answer;
    },
  };
}

describe.skipIf(missing)('keyport proxy: a reload that moves a listen address', () => {
  let ca: TestCa;
  let nginx: TlsServer;
  let backend: Backend;
  let data: TempDir;
  const cleanups: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    [ca, backend, data] = await Promise.all([createTestCa({ ec: true }), keychainBackend(), tempDir('proxy-reload-listen')]);
    const server = await ca.issueServer({ sans: ['DNS:localhost', 'IP:127.0.0.1'], ec: true });
    const client = await ca.issueClient({ cn: 'mover', ec: true });
    nginx = await startTlsServer('nginx', { version: 'TLSv1.3', certFile: server.certFile, keyFile: server.keyFile, chainFile: ca.intermediateFile, clientCaFile: ca.rootFile });
    const imported = await runCli(['import', client.chainFile, '--key', client.keyFile, '--label', 'mover', '--json'], { dataDir: data.path, env: backend.env });
    expect(imported.stderr).toBe('');
  }, 90_000);

  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    await Promise.allSettled([nginx?.stop(), ca?.stop(), backend?.stop()]);
    await data?.remove();
  });

  const route = (name: string, port: number, host = '127.0.0.1') => [`  - name: ${name}`, `    listen: ${host}:${port}`, `    upstream: 127.0.0.1:${nginx.port}`, '    identity: mover', `    ca: ${ca.rootFile}`, '    servername: localhost'];
  const httpProxy = (port: number) => ['httpProxy:', `  listen: 127.0.0.1:${port}`, '  rules:', '    - host: localhost', '      identity: mover', `      ca: ${ca.rootFile}`];
  const status = async (p: ProxyProc) => (await (await fetch(`${p.statusUrl}/status`)).json()) as Status;
  const whoami = (port: number, agent?: http.Agent) => get(port, NGINX_WHOAMI_PATH, agent);

  async function proxyWith(file: string, lines: string[]): Promise<ProxyProc> {
    await fs.writeFile(file, [...lines, ''].join('\n'));
    const p = await startProxyCli(data.path, ['--config', file], { env: backend.env });
    cleanups.push(() => p.stop());
    return p;
  }

  /** Writes the route file, sends SIGHUP and waits for that reload; the status after it. */
  async function reloadWith(proxy: ProxyProc, file: string, lines: string[]): Promise<Status> {
    const before = (await status(proxy)).lastReload?.at;
    await fs.writeFile(file, [...lines, ''].join('\n'));
    process.kill(proxy.proc.pid, 'SIGHUP');
    await waitUntil(async () => (await status(proxy)).lastReload?.at !== before, { what: 'the SIGHUP reload', timeoutMs: 3000, proc: proxy.proc });
    return status(proxy);
  }

  it('a renamed listen port on reload is bound and the old one stops accepting, open connections survive', async () => {
    const [portA, portB, httpA, httpB] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const file = path.join(data.path, 'moves.yaml');
    const proxy = await proxyWith(file, ['routes:', ...route('api', portA), ...httpProxy(httpA)]);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    cleanups.push(async () => agent.destroy());
    const url = `http://localhost:${nginx.port}${NGINX_WHOAMI_PATH}`;
    expect(JSON.parse((await whoami(portA, agent)).body.toString())).toMatchObject({ subject: 'CN=mover', verify: 'SUCCESS' });
    expect((await viaForwardProxy(httpA, url)).body).toContain('CN=mover');
    // A request still being sent through the forward proxy while it moves.
    const upload = slowUpload(httpA, `http://localhost:${nginx.port}${NGINX_ECHO_PATH}`, 'x'.repeat(1000));
    await waitUntil(async () => (await status(proxy)).httpProxy?.active === 1, { what: 'the upload through the forward proxy', timeoutMs: 3000 });

    const t0 = Date.now();
    await fs.writeFile(file, ['routes:', ...route('api', portB), ...httpProxy(httpB), ''].join('\n'));
    // Announced once bound (no probe connections, so the counters below are exact).
    const moved = [`route api: listening on 127.0.0.1:${portB}`, `route http-proxy: listening on 127.0.0.1:${httpB}`];
    await waitUntil(() => moved.every((line) => proxy.proc.output().includes(line)), { what: 'the moved listeners', timeoutMs: 3000, intervalMs: 20, proc: proxy.proc });
    expect(Date.now() - t0).toBeLessThan(1000);
    expect((await whoami(portB)).status).toBe(200);
    expect((await viaForwardProxy(httpB, url)).status).toBe(200);
    expect(await portOpen(portA), 'the old route port stops accepting').toBe(false);
    expect(await portOpen(httpA), 'the old forward proxy port stops accepting').toBe(false);
    // What the old ports accepted runs on: the kept-alive route connection, the upload half sent.
    expect((await whoami(portA, agent)).status).toBe(200);
    expect(await upload.finish()).toEqual({ status: 200, body: 'x'.repeat(2000) });

    // One route, moved: its counters carry over (the kept-alive connection and the new one).
    const after = await status(proxy);
    expect(after.lastReload?.result).toBe('ok');
    expect(after.routes).toHaveLength(1);
    expect(after.routes[0]).toMatchObject({ route: 'api', listen: `127.0.0.1:${portB}`, total: 2, active: 1 });
    expect(after.httpProxy).toMatchObject({ listen: `127.0.0.1:${httpB}`, total: 3 });

    // Renamed on the same port: the new name can listen only once the old one let go of it.
    await fs.writeFile(file, ['routes:', ...route('api2', portB), ...httpProxy(httpB), ''].join('\n'));
    await waitUntil(() => proxy.proc.output().includes(`route api2: listening on 127.0.0.1:${portB}`), { what: 'the renamed route', timeoutMs: 3000, intervalMs: 20, proc: proxy.proc });
    expect((await whoami(portB)).status).toBe(200);
    expect((await status(proxy)).routes.map((r) => r.route)).toEqual(['api2']);
    expect((await whoami(portA, agent)).status, 'a removed route keeps its open connections').toBe(200);
    await proxy.stop();
  }, 60_000);

  it('a new port already in use refuses the reload in one sentence; every listener runs on as it was', async () => {
    const [portA, portB, httpA] = [await freePort(), await freePort(), await freePort()];
    const file = path.join(data.path, 'taken.yaml');
    const proxy = await proxyWith(file, ['routes:', ...route('api', portA), ...httpProxy(httpA)]);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    cleanups.push(async () => agent.destroy());
    expect((await whoami(portA, agent)).status).toBe(200);

    const squatter = net.createServer((s) => s.destroy());
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => squatter.close(resolve)));
    const taken = (squatter.address() as net.AddressInfo).port;
    // The same edit also adds a route and moves the forward proxy: none of it may happen.
    const refused = await reloadWith(proxy, file, ['routes:', ...route('api', taken), ...route('extra', portB), ...httpProxy(await freePort())]);
    expect(refused.lastReload?.result).toBe(`KEYPORT_PROXY_PORT_IN_USE: Cannot listen on 127.0.0.1:${taken} for route api: the port is already in use; stop what uses it or pick another port.`);
    expect(proxy.proc.output()).toContain(`reload refused, the running configuration stays: Cannot listen on 127.0.0.1:${taken} for route api`);
    expect(refused.routes.map((r) => [r.route, r.listen])).toEqual([['api', `127.0.0.1:${portA}`]]);
    expect(refused.httpProxy).toMatchObject({ listen: `127.0.0.1:${httpA}` });
    expect(await portOpen(portB), 'the added route does not listen').toBe(false);
    expect((await whoami(portA)).status, 'the old listener still accepts').toBe(200);
    expect((await whoami(portA, agent)).status, 'and its open connection still works').toBe(200);
    expect((await viaForwardProxy(httpA, `http://localhost:${nginx.port}${NGINX_WHOAMI_PATH}`)).status).toBe(200);
    await proxy.stop();
  }, 60_000);

  it('a forward proxy removed by a reload answers the request in flight (it used to cut it), then closes its connections', async () => {
    const [portA, httpA] = [await freePort(), await freePort()];
    const file = path.join(data.path, 'removed.yaml');
    const proxy = await proxyWith(file, ['routes:', ...route('api', portA), ...httpProxy(httpA)]);
    const idle = new http.Agent({ keepAlive: true, maxSockets: 1 });
    cleanups.push(async () => idle.destroy());
    const kept = await new Promise<net.Socket>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: httpA, path: `http://localhost:${nginx.port}${NGINX_WHOAMI_PATH}`, agent: idle }, (res) => {
        res.resume();
        res.on('end', () => resolve(req.socket as net.Socket));
      });
      req.on('error', reject);
    });
    const upload = slowUpload(httpA, `http://localhost:${nginx.port}${NGINX_ECHO_PATH}`, 'y'.repeat(1000));
    await waitUntil(async () => (await status(proxy)).httpProxy?.active === 2, { what: 'the upload through the forward proxy', timeoutMs: 3000 });

    await fs.writeFile(file, ['routes:', ...route('api', portA), ''].join('\n'));
    await waitUntil(async () => (await status(proxy)).httpProxy === undefined, { what: 'the reload without the forward proxy', timeoutMs: 3000, proc: proxy.proc });
    expect(await portOpen(httpA), 'the removed forward proxy stops accepting').toBe(false);
    expect(await upload.finish(), 'the request in flight is answered in full').toEqual({ status: 200, body: 'y'.repeat(2000) });
    await waitUntil(() => kept.destroyed || kept.readyState !== 'open', { what: 'the idle kept-alive connection to close', timeoutMs: 3000 });
    expect((await whoami(portA)).status, 'the route is untouched').toBe(200);
    await proxy.stop();
  }, 60_000);

  it('routes taking each other\'s ports along a chain move in order (the first could fail on a port still held); a swap is refused before anything changes', async () => {
    const [portA, portB, portC] = [await freePort(), await freePort(), await freePort()];
    const file = path.join(data.path, 'chain.yaml');
    const proxy = await proxyWith(file, ['routes:', ...route('api', portA), ...route('web', portB), ...route('old', portC)]);
    // api takes web's port, web takes the port of old, which goes.
    await fs.writeFile(file, ['routes:', ...route('api', portB), ...route('web', portC), ''].join('\n'));
    const moved = [`route api: listening on 127.0.0.1:${portB}`, `route web: listening on 127.0.0.1:${portC}`];
    await waitUntil(() => moved.every((line) => proxy.proc.output().includes(line)), { what: 'the chain of moves', timeoutMs: 3000, intervalMs: 20, proc: proxy.proc });
    const chained = await status(proxy);
    expect(chained.lastReload?.result).toBe('ok');
    expect(chained.routes.map((r) => [r.route, r.listen])).toEqual([['api', `127.0.0.1:${portB}`], ['web', `127.0.0.1:${portC}`]]);
    expect(await portOpen(portA)).toBe(false);
    expect((await whoami(portB)).status).toBe(200);

    // api and web swap: refused in one sentence, both keep their addresses.
    const refused = await reloadWith(proxy, file, ['routes:', ...route('api', portC), ...route('web', portB)]);
    expect(refused.lastReload?.result).toBe(
      "KEYPORT_INVALID_ARGUMENT: Cannot reload: route api, route web would take each other's listen addresses in one edit; move one of them to a free port first, reload, then make the rest of the change.",
    );
    expect(refused.routes.map((r) => [r.route, r.listen])).toEqual([['api', `127.0.0.1:${portB}`], ['web', `127.0.0.1:${portC}`]]);
    expect((await whoami(portB)).status).toBe(200);
    expect((await whoami(portC)).status).toBe(200);
    await proxy.stop();
  }, 60_000);

  it('a listen address renamed to one the route is bound to already (127.0.0.1:P to localhost:P) is kept, not refused as a port in use by Keyport itself', async () => {
    const port = await freePort();
    const file = path.join(data.path, 'alias.yaml');
    const proxy = await proxyWith(file, ['routes:', ...route('api', port)]);
    expect((await whoami(port)).status).toBe(200);
    const after = await reloadWith(proxy, file, ['routes:', ...route('api', port, 'localhost')]);
    expect(after.lastReload?.result).toBe('ok');
    expect(after.routes[0]).toMatchObject({ route: 'api', listen: `localhost:${port}`, total: 1 });
    expect((await whoami(port)).status).toBe(200);
    await proxy.stop();
  }, 60_000);

  it('a route removed at 127.0.0.1:P and another added at localhost:P in one edit: the new one takes the port (it was refused as a port in use)', async () => {
    const port = await freePort();
    const file = path.join(data.path, 'alias-swap.yaml');
    const proxy = await proxyWith(file, ['routes:', ...route('old', port)]);
    expect((await whoami(port)).status).toBe(200);
    const after = await reloadWith(proxy, file, ['routes:', ...route('new', port, 'localhost')]);
    expect(after.lastReload?.result).toBe('ok');
    expect(after.routes.map((r) => [r.route, r.listen])).toEqual([['new', `localhost:${port}`]]);
    expect((await whoami(port)).status).toBe(200);
    expect((await status(proxy)).routes[0]).toMatchObject({ route: 'new', total: 1 });
    await proxy.stop();
  }, 60_000);
});
