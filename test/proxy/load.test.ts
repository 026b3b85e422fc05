/**
 * The proxy under load, in its own file so it runs beside the others: 200 concurrent clients × 50
 * requests through one route to nginx (zero failures), and a 1 GB download through a route that
 * arrives with the same SHA-256 while the proxy's peak RSS (VmHWM) stays under 200 MB.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keychainBackend, type Backend } from '../identity/backends';
import { requireBackend } from '../testbed/backend';
import { createTestCa, type TestCa } from '../testbed/ca';
import { tempDir, type TempDir } from '../testbed/proc';
import { startTlsServer, TLS_SERVER_PROBES, type TlsServer } from '../testbed/tls-servers';
import { get, load } from './client';
import { freePort, routeStatus, runCli, startProxyCli, type ProxyProc } from './helpers';
import { bytesDigest, startWhoamiServer, type WhoamiServer } from './whoami-server';

const missing = requireBackend('openssl').missing || requireBackend('keyring').missing || requireBackend('tls-nginx', TLS_SERVER_PROBES.nginx).missing;

/** Peak resident set of a process, in MB, from /proc (VmHWM). */
async function peakRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

describe.skipIf(missing)('keyport proxy under load', () => {
  let ca: TestCa;
  let backend: Backend;
  let data: TempDir;
  let nginx: TlsServer;
  let whoami: WhoamiServer;
  let proxy: ProxyProc;
  let webPort: number;
  let bulkPort: number;

  beforeAll(async () => {
    [ca, backend, data] = await Promise.all([createTestCa({ ec: true }), keychainBackend(), tempDir('proxy-load')]);
    const [server, alice] = await Promise.all([ca.issueServer({ sans: ['DNS:localhost', 'IP:127.0.0.1'], ec: true }), ca.issueClient({ cn: 'load-alice', ec: true })]);
    nginx = await startTlsServer('nginx', { version: 'TLSv1.3', certFile: server.certFile, keyFile: server.keyFile, chainFile: ca.intermediateFile, clientCaFile: ca.rootFile });
    whoami = await startWhoamiServer({ keyFile: server.keyFile, chainPem: server.chainPem, caFile: ca.rootFile });
    expect((await runCli(['import', alice.chainFile, '--key', alice.keyFile, '--json'], { dataDir: data.path, env: backend.env })).stderr).toBe('');
    [webPort, bulkPort] = [await freePort(), await freePort()];
    proxy = await startProxyCli(
      data.path,
      [
        '--route', `127.0.0.1:${webPort}=127.0.0.1:${nginx.port},identity=load-alice,ca=${ca.rootFile},servername=localhost,name=web`,
        '--route', `127.0.0.1:${bulkPort}=127.0.0.1:${whoami.port},identity=load-alice,ca=${ca.rootFile},servername=localhost,name=bulk`,
      ],
      { env: backend.env },
    );
  }, 90_000);

  afterAll(async () => {
    await proxy?.stop();
    await Promise.allSettled([nginx?.stop(), whoami?.stop(), ca?.stop(), backend?.stop()]);
    await data?.remove();
  });

  it('200 concurrent clients × 50 requests through one route: zero failures', async () => {
    const agents = Array.from({ length: 200 }, () => new http.Agent({ keepAlive: true, maxSockets: 1 }));
    try {
      const { ok, failures } = await load(200, 50, (c) => get(webPort, '/whoami', agents[c]!), (body) => {
        if (!body.includes('CN=load-alice')) throw new Error(`unexpected answer ${body.toString()}`);
      });
      expect(failures).toEqual([]);
      expect(ok).toBe(10_000);
    } finally {
      for (const a of agents) a.destroy();
    }
    console.log(`keyport proxy peak RSS after 10 000 requests on 200 connections: ${(await peakRssMb(proxy.proc.pid)).toFixed(1)} MB`);
    const web = await routeStatus(proxy, 'web');
    expect(web.total).toBe(200);
    expect(web.errors).toEqual({});
    // Regression: each open connection listens for the route's stop, and Node warned of a leak past ten.
    expect(proxy.proc.output()).not.toMatch(/MaxListenersExceededWarning|memory leak/);
  }, 240_000);

  it('a 1 GB download arrives with the same SHA-256; the proxy stays under 200 MB RSS', async () => {
    const size = 1024 ** 3;
    const expected = bytesDigest(size);
    const got = createHash('sha256');
    let bytes = 0;
    await new Promise<void>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: bulkPort, path: `/bytes?n=${size}`, agent: false }, (res) => {
          res.on('data', (b: Buffer) => {
            bytes += b.length;
            got.update(b);
          });
          res.on('end', resolve);
          res.on('error', reject);
        })
        .on('error', reject);
    });
    expect(bytes).toBe(size);
    expect(got.digest('hex')).toBe(expected);
    const peak = await peakRssMb(proxy.proc.pid);
    console.log(`keyport proxy peak RSS after 10 000 requests and a 1 GB download: ${peak.toFixed(1)} MB`);
    expect(peak).toBeLessThan(200);
  }, 300_000);
});
