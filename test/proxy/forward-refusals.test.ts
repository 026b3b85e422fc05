/**
 * One `keyport proxy` process (keychain identity) with a TCP route, the HTTP forward proxy and its
 * status endpoint, all against nginx with `ssl_verify_client on`: `curl -x` to a host a rule
 * names works (without the headers of its hop), an unmatched host gets 403 and CONNECT 405 (nothing
 * connects anywhere else);
 * `keyport proxy --status`, `/metrics`, the audit log; and the refusals at start (non-loopback,
 * a used port) in one sentence with a non-zero exit.
 */
import { promises as fs } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { keychainBackend, type Backend } from '../identity/backends';
import { requireBackend } from '../testbed/backend';
import { createTestCa, type IssuedCert, type TestCa } from '../testbed/ca';
import { tempDir, waitUntil, type TempDir } from '../testbed/proc';
import { startTlsServer, TLS_SERVER_PROBES, type TlsServer } from '../testbed/tls-servers';
import { startJsonLineServer } from '../testbed/tls-servers/json-lines';
import { curl, freePort, routeStatus, runCli, startProxyCli, type ProxyProc } from './helpers';
import { startWhoamiServer, type WhoamiServer } from './whoami-server';

const EARLY_ANSWER = fileURLToPath(new URL('../servers/early-answer.mjs', import.meta.url));
const missing = requireBackend('openssl').missing || requireBackend('keyring').missing || requireBackend('tls-nginx', TLS_SERVER_PROBES.nginx).missing;

/** A TLS handshake with whatever listens on `port`; how it ended (an error code or message). */
function tlsHandshake(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', rejectUnauthorized: false });
    s.once('secureConnect', () => resolve('handshake done'));
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    s.setTimeout(5000, () => s.destroy(new Error('no answer in 5 s')));
  });
}

/** Sends `request` raw and returns everything the server answered before closing. */
function raw(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = net.connect(port, '127.0.0.1', () => s.write(request));
    s.on('data', (b) => chunks.push(b));
    s.on('end', () => resolve(Buffer.concat(chunks).toString()));
    s.on('error', reject);
  });
}

describe.skipIf(missing)('keyport proxy: forward proxy, status, audit and refusals', () => {
  let ca: TestCa;
  let server: IssuedCert;
  let nginx: TlsServer;
  let whoami: WhoamiServer;
  let backend: Backend;
  let data: TempDir;
  let id: string;
  let clientKeyFile: string;
  let serial: string;
  let proxy: ProxyProc;
  let routePort: number;
  let httpPort: number;
  const cli = (args: string[]) => runCli(args, { dataDir: data.path, env: backend.env });

  beforeAll(async () => {
    [ca, backend, data] = await Promise.all([createTestCa({ ec: true }), keychainBackend(), tempDir('proxy-forward')]);
    server = await ca.issueServer({ sans: ['DNS:localhost', 'IP:127.0.0.1'], ec: true });
    const client = await ca.issueClient({ cn: 'forward-alice', ec: true });
    clientKeyFile = client.keyFile;
    nginx = await startTlsServer('nginx', { version: 'TLSv1.3', certFile: server.certFile, keyFile: server.keyFile, chainFile: ca.intermediateFile, clientCaFile: ca.rootFile });
    whoami = await startWhoamiServer({ keyFile: server.keyFile, chainPem: server.chainPem, caFile: ca.rootFile, keepAliveMs: 120_000 });
    const imported = await cli(['import', client.chainFile, '--key', client.keyFile, '--json']);
    expect(imported.stderr).toBe('');
    id = (JSON.parse(imported.stdout) as { id: string }).id;
    serial = (JSON.parse((await cli(['list', '--json'])).stdout) as Array<{ serial: string }>)[0]!.serial;
    [routePort, httpPort] = [await freePort(), await freePort()];
    proxy = await startProxyCli(
      data.path,
      [
        '--route', `127.0.0.1:${routePort}=127.0.0.1:${nginx.port},identity=forward-alice,ca=${ca.rootFile},servername=localhost,name=web`,
        '--http-proxy', `127.0.0.1:${httpPort}`,
        '--http-rule', `host=localhost,identity=${id},ca=${ca.rootFile}`,
        '--http-rule', `host=*.svc.internal,identity=${id},ca=${ca.rootFile}`,
      ],
      { env: backend.env },
    );
  }, 90_000);

  afterEach(() => {
    if (proxy && !proxy.proc.running()) throw new Error(`the proxy stopped:\n${proxy.proc.output()}`);
  });

  afterAll(async () => {
    await proxy?.stop();
    await Promise.allSettled([nginx?.stop(), whoami?.stop(), ca?.stop(), backend?.stop()]);
    await data?.remove();
  });

  it('curl -x to a host a rule names goes over https with the identity', async () => {
    const r = await curl(['-x', `http://127.0.0.1:${httpPort}`, `http://localhost:${nginx.port}/whoami`]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('CN=forward-alice');
    const posted = await curl(['-x', `http://127.0.0.1:${httpPort}`, '--data-binary', 'hello through the forward proxy', `http://localhost:${nginx.port}/echo`]);
    expect(posted.stdout).toBe('hello through the forward proxy');
    // Regression: a fully qualified name (final dot) matched the rule, then failed: "getaddrinfo ENOTFOUND localhost.".
    const dotted = await curl(['-x', `http://127.0.0.1:${httpPort}`, `http://localhost.:${nginx.port}/whoami`]);
    expect({ stdout: dotted.stdout.includes('CN=forward-alice'), stderr: dotted.stderr }).toEqual({ stdout: true, stderr: '' });
  });

  it('regression: headers the Connection header names went on to the upstream and back to the client; now dropped both ways (RFC 9110 §7.6.1)', async () => {
    const r = await curl(['-x', `http://127.0.0.1:${httpPort}`, '-D', '-', '-H', 'Connection: keep-alive, X-Hop-Only', '-H', 'X-Hop-Only: for the proxy', '-H', 'X-End-To-End: yes', `http://localhost:${whoami.port}/headers`]);
    expect(r.stderr).toBe('');
    const [head, body] = r.stdout.split('\r\n\r\n') as [string, string];
    const seen = JSON.parse(body) as Record<string, string>;
    expect(seen['x-end-to-end']).toBe('yes');
    expect(seen).not.toHaveProperty('x-hop-only');
    expect(head.toLowerCase()).toContain('x-end-to-end: kept');
    expect(head.toLowerCase()).not.toContain('x-hop-only');
  });

  it('regression: bytes up counted only request bodies (a GET added 0); now heads and bodies as sent upstream', async () => {
    const st = (JSON.parse((await cli(['proxy', '--status', '--json'])).stdout) as Array<{ httpProxy: { bytesUp: number; bytesDown: number } }>)[0]!;
    // The test above sent two requests: at least their request lines and the 31-byte body.
    const atLeast = 2 * `GET /whoami HTTP/1.1\r\nhost: localhost:${nginx.port}\r\n\r\n`.length + 'hello through the forward proxy'.length;
    expect(st.httpProxy.bytesUp).toBeGreaterThanOrEqual(atLeast);
    expect(st.httpProxy.bytesDown).toBeGreaterThan(0);
  });

  it("regression: the client's Host header went upstream; the upstream now sees the host of the URL the rule matched", async () => {
    const r = await curl(['-x', `http://127.0.0.1:${httpPort}`, '-H', 'Host: admin.other.example', `http://localhost:${whoami.port}/headers`]);
    expect(r.stderr).toBe('');
    expect((JSON.parse(r.stdout) as Record<string, string>).host).toBe(`localhost:${whoami.port}`);
  });

  it('regression: an answer with more than 16 KB of headers (big cookies, CSP) was a 502 "Unexpected error: Parse Error"; now up to 64 KB pass either way, and more is said as such', async () => {
    const big = await curl(['-x', `http://127.0.0.1:${httpPort}`, '-sS', '-D', '-', `http://localhost:${whoami.port}/big-header?bytes=40000`]);
    expect(big.stdout).toMatch(/^HTTP\/1\.1 200/);
    expect(big.stdout).toContain(`x-big: ${'y'.repeat(40000)}`);
    const cookie = await curl(['-x', `http://127.0.0.1:${httpPort}`, '-H', `Cookie: session=${'z'.repeat(30000)}`, `http://localhost:${whoami.port}/headers`]);
    expect((JSON.parse(cookie.stdout) as Record<string, string>).cookie).toHaveLength('session='.length + 30000); // Node's 16 KB answered 431
    const over = await curl(['-x', `http://127.0.0.1:${httpPort}`, '-D', '-', `http://localhost:${whoami.port}/big-header?bytes=70000`]);
    expect(over.stdout).toMatch(/^HTTP\/1\.1 502/);
    expect(over.stdout).toMatch(/x-keyport-error: KEYPORT_PROXY_UPSTREAM_NOT_HTTP/i);
    expect(over.stdout).toContain(`https://localhost:${whoami.port} answered with more than 64 KB of headers, more than Keyport's HTTP proxy reads: reach it through a TCP route (keyport proxy --route) instead.`);
  });

  it('regression: a rule that reaches a server speaking something else (Redis over TLS) answered "Unexpected error" with KEYPORT_INTERNAL; now it says the server is not HTTP', async () => {
    const redisLike = tls.createServer({ key: await fs.readFile(server.keyFile), cert: server.chainPem, ca: await fs.readFile(ca.rootFile), requestCert: true, rejectUnauthorized: true }, (s) => {
      s.on('data', () => s.write("-ERR unknown command 'GET'\r\n"));
    });
    await new Promise<void>((resolve) => redisLike.listen(0, '127.0.0.1', resolve));
    try {
      const port = (redisLike.address() as net.AddressInfo).port;
      const r = await curl(['-x', `http://127.0.0.1:${httpPort}`, '-D', '-', `http://localhost:${port}/`]);
      expect(r.stdout).toMatch(/^HTTP\/1\.1 502/);
      expect(r.stdout).toMatch(/x-keyport-error: KEYPORT_PROXY_UPSTREAM_NOT_HTTP/i);
      expect(r.stdout).toMatch(new RegExp(`https://localhost:${port} did not answer in HTTP/1\\.1 \\(.+\\): is it an HTTP server\\? Reach other protocols through a TCP route \\(keyport proxy --route\\)\\.`));
      const st = (JSON.parse((await cli(['proxy', '--status', '--json'])).stdout) as Array<{ httpProxy: { errors: Record<string, number> } }>)[0]!;
      expect(st.httpProxy.errors.KEYPORT_PROXY_UPSTREAM_NOT_HTTP).toBe(2); // this answer and the 70 KB headers above
    } finally {
      redisLike.close();
    }
  });

  it('regression: trailers of a chunked answer (and its Trailer header) were dropped; now passed on', async () => {
    const r = await curl(['-x', `http://127.0.0.1:${httpPort}`, '-sS', '--raw', '-D', '-', `http://localhost:${whoami.port}/trailers`]);
    expect(r.stdout.toLowerCase()).toContain('trailer: x-sum');
    expect(r.stdout).toMatch(/\r\n0\r\nx-sum: 42\r\n\r\n$/i);
  });

  it('regression: an early answer to an upload (413, then the server closes) became a 502 "it probably refused our client certificate", and the client connection stayed open; now the 413, then the connection closes', async () => {
    const o = { version: 'TLSv1.3', certFile: server.certFile, keyFile: server.keyFile, chainFile: ca.intermediateFile, clientCaFile: ca.rootFile } as const;
    const upstreams = await Promise.all(['close-notify', 'vanish'].map((m) => startJsonLineServer('early-answer', process.execPath, [EARLY_ANSWER, '--mode', m], o)));
    const upload = path.join(data.path, 'upload.bin');
    await fs.writeFile(upload, Buffer.alloc(20 * 1024 * 1024, 7));
    try {
      for (const u of upstreams) {
        for (let n = 0; n < 3; n++) {
          const r = await curl(['-x', `http://127.0.0.1:${httpPort}`, '-w', ' %{http_code}', '-H', 'Expect:', '--data-binary', `@${upload}`, `http://localhost:${u.port}/up`]);
          expect({ code: r.code, out: r.stdout, err: r.stderr }).toEqual({ code: 0, out: 'too big\r\n 413', err: '' });
        }
      }
      const active = async () => (JSON.parse((await cli(['proxy', '--status', '--json'])).stdout) as Array<{ httpProxy: { active: number } }>)[0]!.httpProxy.active;
      await waitUntil(async () => (await active()) === 0, { what: 'the client connections to close', timeoutMs: 5000 });
    } finally {
      await Promise.allSettled(upstreams.map((u) => u.stop()));
      await fs.rm(upload, { force: true });
    }
  });

  it('refuses a host no rule names with 403 and one sentence, without connecting anywhere', async () => {
    const r = await curl(['-x', `http://127.0.0.1:${httpPort}`, '-D', '-', 'http://example.com/x']);
    expect(r.stdout).toMatch(/^HTTP\/1\.1 403/);
    expect(r.stdout).toMatch(/x-keyport-error: KEYPORT_PROXY_HOST_NOT_ROUTED/i);
    expect(r.stdout).toContain('Host example.com matches no rule of this Keyport proxy; add a rule (host=PATTERN,identity=ID) to reach it.');
    const sneaky = await curl(['-x', `http://127.0.0.1:${httpPort}`, '-o', '/dev/null', '-w', '%{http_code}', 'http://svc.internal.example.com/']);
    expect(sneaky.stdout).toBe('403');
  });

  it('refuses CONNECT with 405 and a sentence saying what to use', async () => {
    const r = await curl(['-x', `http://127.0.0.1:${httpPort}`, `https://localhost:${nginx.port}/whoami`]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/405/);
    expect(await raw(httpPort, 'CONNECT api.example:443 HTTP/1.1\r\nHost: api.example:443\r\n\r\n')).toContain('ask for http://api.example/... through it');
    const answer = await raw(httpPort, `CONNECT localhost:${nginx.port} HTTP/1.1\r\nHost: localhost:${nginx.port}\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 405 Method Not Allowed/);
    // Regression: the sentence dropped the port (http://localhost/... reached 443) and the answer had no code header.
    expect(answer).toContain(`does not tunnel CONNECT localhost:${nginx.port}: ask for http://localhost:${nginx.port}/... through it`);
    expect(answer).toMatch(/\r\nx-keyport-error: KEYPORT_PROXY_CONNECT_REFUSED\r\n/);
    const originForm = await raw(httpPort, 'GET /x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    expect(originForm).toMatch(/^HTTP\/1\.1 400/);
  });

  it('keyport proxy --status and /metrics show the counters; the status endpoint wants its token and a loopback Host', async () => {
    expect((await curl([`http://127.0.0.1:${routePort}/whoami`])).stdout).toContain('CN=forward-alice');
    const st = await cli(['proxy', '--status', '--json']);
    expect(st.stderr).toBe('');
    const [status] = JSON.parse(st.stdout) as Array<{ routes: Array<Record<string, unknown>>; httpProxy: Record<string, unknown> }>;
    expect(status!.routes[0]).toMatchObject({ route: 'web', listen: `127.0.0.1:${routePort}`, upstream: `127.0.0.1:${nginx.port}` });
    expect(status!.routes[0]!.total as number).toBeGreaterThanOrEqual(1);
    expect(status!.httpProxy.errors).toMatchObject({ KEYPORT_PROXY_HOST_NOT_ROUTED: 2, KEYPORT_PROXY_CONNECT_REFUSED: 3 });
    expect(status!.httpProxy.lastError).toMatchObject({ code: 'KEYPORT_PROXY_CONNECT_REFUSED', message: expect.stringMatching(/^Keyport's HTTP proxy does not tunnel CONNECT localhost:\d+: ask for http:/) });
    const text = await cli(['proxy', '--status']);
    expect(text.stdout).toMatch(/^ROUTE\s+LISTEN/);
    expect(text.stdout).toMatch(/^http-proxy: last error \S+: Keyport's HTTP proxy does not tunnel CONNECT .* \[KEYPORT_PROXY_CONNECT_REFUSED\]$/m);
    const metrics = await (await fetch(`${proxy.statusUrl}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`keyport_proxy_connections_total\\{route="web",upstream="127.0.0.1:${nginx.port}"\\} \\d+`));
    expect(metrics).toMatch(/keyport_proxy_errors_total\{route="http-proxy",upstream="per rule",code="KEYPORT_PROXY_HOST_NOT_ROUTED"\} 2/);
    const port = new URL(proxy.statusUrl).port;
    expect((await fetch(`http://127.0.0.1:${port}/status`)).status).toBe(404);
    expect((await curl(['-o', '/dev/null', '-w', '%{http_code}', '-H', 'Host: evil.example', `${proxy.statusUrl}/status`])).stdout).toBe('421');
    expect((await fetch(`${proxy.statusUrl}/status`, { method: 'POST' })).status).toBe(405);
    const stateDir = path.join(data.path, 'proxy');
    const [stateName] = await fs.readdir(stateDir);
    expect((await fs.stat(path.join(stateDir, stateName!))).mode & 0o777).toBe(0o600);
  });

  it('keyport audit lists each upstream session with identity, serial and result, and no payload byte', async () => {
    const marker = `payload-marker-${Date.now()}`;
    await curl(['--data-binary', marker, `http://127.0.0.1:${routePort}/echo`]);
    const before = await routeStatus(proxy, 'web');
    // Sessions are audited when they end; curl closed its connection, the upstream follows.
    let entries: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 50 && entries.length < (before.total as number); i++) {
      await new Promise((r) => setTimeout(r, 100));
      entries = (JSON.parse((await cli(['audit', '--json'])).stdout) as Array<Record<string, unknown>>).filter((e) => e.route === 'web');
    }
    expect(entries.length).toBe(before.total);
    expect(entries.at(-1)).toMatchObject({ route: 'web', identity: id, serial, upstream: `127.0.0.1:${nginx.port}`, result: 'ok' });
    expect(entries.some((e) => e.resumed === true)).toBe(true);
    const forward = (JSON.parse((await cli(['audit', '--json', '--since', '1h'])).stdout) as Array<Record<string, unknown>>).filter((e) => e.route === 'http-proxy');
    // Kept-alive forward sessions are audited when they close: none yet of the good ones to nginx and whoami (both keep theirs alive longer than this file runs; whoami's default 2 s made this flaky on a slow CI machine).
    expect(forward.filter((e) => e.result === 'ok' && [`localhost:${nginx.port}`, `localhost:${whoami.port}`].includes(e.upstream as string))).toEqual([]);
    expect((await cli(['audit', '--since', '2099-01-01T00:00:00Z', '--json'])).stdout.trim()).toBe('[]');
    const log = await fs.readFile(path.join(data.path, 'audit.log'), 'utf8');
    expect(log).not.toContain(marker);
    expect((await fs.stat(path.join(data.path, 'audit.log'))).mode & 0o777).toBe(0o600);
  });

  it('regression: a client that left mid-download left its upstream session open (never pooled, never audited); now it is closed', async () => {
    await new Promise<void>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: httpPort, path: `http://localhost:${whoami.port}/bytes?n=1000000000` }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (e) => (req.destroyed ? undefined : reject(e)));
    });
    // Other forward sessions of this file end too, as their keep-alive runs out: only this one is cut by its client.
    const aborted = async () => (JSON.parse((await cli(['audit', '--json'])).stdout) as Array<Record<string, unknown>>).filter((e) => e.route === 'http-proxy' && e.result === 'KEYPORT_PROXY_CLIENT_RESET');
    await waitUntil(async () => (await aborted()).length > 0, { what: 'the upstream session to end', timeoutMs: 5000 });
    expect(await aborted()).toMatchObject([{ upstream: `localhost:${whoami.port}`, result: 'KEYPORT_PROXY_CLIENT_RESET' }]);
    const status = (await (await fetch(`${proxy.statusUrl}/status`)).json()) as { httpProxy: { errors: Record<string, number> } };
    expect(status.httpProxy.errors.KEYPORT_PROXY_CLIENT_RESET).toBe(1);
  });

  it('regression: a TLS client on a route (curl https://) had its ClientHello sent upstream as data, and the forward proxy answered one with a bare 400; now both close it and say why', async () => {
    const before = await routeStatus(proxy, 'web');
    expect(await tlsHandshake(routePort)).toBe('ECONNRESET');
    expect(await tlsHandshake(httpPort)).toBe('ECONNRESET');
    const said = (): string[] => proxy.proc.output().match(/^keyport proxy: route (web|http-proxy): The client started a TLS handshake, but Keyport listens in plain text .* \[KEYPORT_PROXY_CLIENT_SENT_TLS\]$/gm) ?? [];
    await waitUntil(() => said().length === 2, { what: 'both refusals said', timeoutMs: 5000 });
    const web = await routeStatus(proxy, 'web');
    expect(web.errors).toMatchObject({ KEYPORT_PROXY_CLIENT_SENT_TLS: 1 });
    expect(web.bytesUp, 'none of the ClientHello went upstream').toBe(before.bytesUp);
    const status = (await (await fetch(`${proxy.statusUrl}/status`)).json()) as { httpProxy: { errors: Record<string, number> } };
    expect(status.httpProxy.errors.KEYPORT_PROXY_CLIENT_SENT_TLS).toBe(1);
    expect((await curl([`http://127.0.0.1:${routePort}/whoami`])).stdout, 'plain clients still served').toContain('"verify":"SUCCESS"');
  });

  it('refuses a non-loopback listener and a used port in one sentence, exit non-zero, and an empty command line', async () => {
    const route = (listen: string) => `${listen}=127.0.0.1:${nginx.port},identity=${id}`;
    const wide = await cli(['proxy', '--route', route(`0.0.0.0:${await freePort()}`)]);
    expect(wide.code).not.toBe(0);
    expect(wide.stderr.trim().split('\n')).toHaveLength(1);
    expect(wide.stderr).toMatch(/Refusing to listen on 0\.0\.0\.0:\d+ for route .*: Keyport listens on loopback only .* pass --allow-non-loopback \(in a config file or proxy\.yaml: allowNonLoopback: true\) if you really mean it\. \[KEYPORT_PROXY_NON_LOOPBACK\]/);
    const busy = await cli(['proxy', '--route', route(`127.0.0.1:${routePort}`)]);
    expect(busy.code).toBe(5);
    expect(busy.stderr.trim()).toBe(`keyport: Cannot listen on 127.0.0.1:${routePort} for route 127.0.0.1:${routePort}: the port is already in use; stop what uses it or pick another port. [KEYPORT_PROXY_PORT_IN_USE]`);
    const nothing = await cli(['proxy']);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(/Nothing to proxy/);
    // Regression: an empty config file and a rule without its proxy both said "Nothing to proxy: give ... --config FILE".
    const empty = path.join(data.path, 'empty-proxy.yaml');
    await fs.writeFile(empty, '');
    expect((await cli(['proxy', '--config', empty])).stderr.trim()).toBe(`keyport: ${empty} holds no route and no httpProxy: add some (the README shows the format). [KEYPORT_PROXY_CONFIG_INVALID]`);
    expect((await cli(['proxy', '--http-rule', 'host=a.b,identity=x'])).stderr.trim()).toBe('keyport: --http-rule is a rule of the HTTP proxy: give --http-proxy 127.0.0.1:PORT too. [KEYPORT_INVALID_ARGUMENT]');
  });

  it('regression: an unknown identity or unreadable CA file did not say which route or rule named it; two routes on one address', async () => {
    const port = await freePort();
    const typo = await cli(['proxy', '--route', `127.0.0.1:${port}=127.0.0.1:${nginx.port},identity=no-such-identity`]);
    expect(typo.code).toBe(3);
    expect(typo.stderr.trim()).toBe(`keyport: route 127.0.0.1:${port}: No identity "no-such-identity"; \`keyport list\` shows what there is. [KEYPORT_NOT_FOUND]`);
    const rule = await cli(['proxy', '--http-proxy', `127.0.0.1:${port}`, '--http-rule', 'host=*.svc.example,identity=no-such-identity']);
    expect(rule.code).toBe(3);
    expect(rule.stderr.trim()).toMatch(/^keyport: the HTTP proxy's rule host=\*\.svc\.example: No identity "no-such-identity";/);
    const ca = await cli(['proxy', '--route', `127.0.0.1:${port}=127.0.0.1:${nginx.port},identity=${id},ca=/no/such/ca.pem`]);
    expect(ca.code).toBe(6);
    expect(ca.stderr.trim().split('\n')).toHaveLength(1);
    expect(ca.stderr).toMatch(new RegExp(`^keyport: route 127\\.0\\.0\\.1:${port}: Cannot read CA file /no/such/ca\\.pem: .*\\[KEYPORT_FILE_UNREADABLE\\]$`, 'm'));
    // Regression: a PIN file that cannot be read was found only at the first connection needing it.
    const pinFile = await cli(['--pin-file', '/no/such/pin', 'proxy', '--route', `127.0.0.1:${port}=127.0.0.1:${nginx.port},identity=${id}`]);
    expect(pinFile.code).toBe(6);
    expect(pinFile.stderr.trim()).toMatch(/^keyport: Cannot read the PIN file \/no\/such\/pin: ENOENT.*\[KEYPORT_FILE_UNREADABLE\]$/);
    // Regression: a CA file holding no certificate (a key, a web page) was taken, and the route then
    // reset every connection without a word; now it is refused at start, as a missing file is.
    const keyAsCa = await cli(['proxy', '--route', `127.0.0.1:${port}=127.0.0.1:${nginx.port},identity=${id},ca=${clientKeyFile}`]);
    expect(keyAsCa.code).not.toBe(0);
    expect(keyAsCa.stderr.trim()).toBe(`keyport: route 127.0.0.1:${port}: Cannot read CA file ${clientKeyFile}: it holds no "BEGIN CERTIFICATE" block. [KEYPORT_PEM_INVALID]`);
    const ruleCa = await cli(['proxy', '--http-proxy', `127.0.0.1:${port}`, '--http-rule', `host=localhost,identity=${id},ca=${clientKeyFile}`]);
    expect(ruleCa.code).not.toBe(0);
    expect(ruleCa.stderr.trim()).toMatch(/^keyport: the HTTP proxy: rule host=localhost: Cannot read CA file .*: it holds no "BEGIN CERTIFICATE" block\. \[KEYPORT_PEM_INVALID\]$/);
    // Regression: two --route flags on one address (its default name) ran only the second.
    const twice = await cli(['proxy', '--route', `127.0.0.1:${port}=127.0.0.1:${nginx.port},identity=${id}`, '--route', `127.0.0.1:${port}=127.0.0.1:${whoami.port},identity=${id}`]);
    expect(twice.code).toBe(6);
    expect(twice.stderr.trim()).toBe(`keyport: Invalid routes: two routes listen on 127.0.0.1:${port} (each needs its own port); fix them and try again. [KEYPORT_PROXY_CONFIG_INVALID]`);
  });
});
