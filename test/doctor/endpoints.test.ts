/**
 * Saved endpoints: the store on its own (history capped at 20, atomic replaces under a lock, a
 * corrupt or newer file refused and left byte for byte as it was), then through the CLI:
 * `endpoints add|list|history|remove`, `keyport test NAME` (its result lands in the history), and
 * `keyport test --all` running every endpoint in parallel with a one-line table: nginx without
 * client certificates, a closed port, and Go 1.19's TLS 1.2 server reached only because that
 * endpoint was saved with --allow-tls12-without-ems.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EndpointStore } from '../../src/core/probe/endpoints/store';
import type { ProbeReport } from '../../src/shared/probe-report';
import { requireBackend } from '../testbed/backend';
import { createTestCa, type IssuedCert, type TestCa } from '../testbed/ca';
import { runCli } from '../testbed/cli';
import { startKeyring, type Keyring } from '../testbed/keyring';
import { freePort, tempDir, type TempDir } from '../testbed/proc';
import { GO_119_BINARY, go119Probe, startGoServer, TLS_SERVER_PROBES, type TlsServer } from '../testbed/tls-servers';
import { startNginx, type Server } from './helpers';

const report = (i: number): ProbeReport => ({
  ok: i % 2 === 0,
  url: 'https://api.internal/',
  startedAt: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
  steps: [{ step: 'dns', ok: true, ms: 1 }],
  diagnoses: [],
  reproduce: { openssl: 'openssl s_client', curl: 'curl' },
  trace: [{ ms: 0, direction: 'sent', kind: 'handshake', type: 'ClientHello', length: 200 }],
});

describe('the endpoint store', () => {
  let dir: TempDir;
  beforeAll(async () => (dir = await tempDir('endpoints-store')));
  afterAll(() => dir?.remove());

  it('keeps the last 20 results, without their traces; concurrent writers all land; no temp file is left', async () => {
    const store = new EndpointStore(path.join(dir.path, 'a'));
    await store.add({ name: 'api', url: 'https://api.internal/', identity: 'auto', ca: [], http: true, allowTls12WithoutEms: false });
    await Promise.all(Array.from({ length: 25 }, (_, i) => store.record('api', report(i))));
    const [api] = await store.list();
    expect(api!.history).toHaveLength(20);
    expect(api!.history.every((h) => !('trace' in h))).toBe(true);
    expect(new Set(api!.history.map((h) => h.startedAt)).size).toBe(20);
    expect((await readdir(store.dataDir)).sort()).toEqual(['endpoints.json']);
    const file = JSON.parse(await readFile(store.file, 'utf8')) as { schemaVersion: number };
    expect(file.schemaVersion).toBe(1);
  });

  it('refuses a duplicate name and an unknown one, changing nothing', async () => {
    const store = new EndpointStore(path.join(dir.path, 'b'));
    await store.add({ name: 'api', url: 'https://api.internal/', identity: 'auto', ca: [], http: true, allowTls12WithoutEms: false });
    const before = await readFile(store.file, 'utf8');
    await expect(store.add({ name: 'api', url: 'https://other/', identity: 'none', ca: [], http: true, allowTls12WithoutEms: false })).rejects.toMatchObject({ code: 'KEYPORT_ALREADY_EXISTS' });
    await expect(store.remove('nope')).rejects.toMatchObject({ code: 'KEYPORT_NOT_FOUND' });
    expect(await readFile(store.file, 'utf8')).toBe(before);
  });

  it.each([
    ['not JSON', '{"schemaVersion": 1, "endpoints": [', 'KEYPORT_ENDPOINTS_CORRUPT', /is corrupt \(it is not valid JSON/],
    ['a bad field', '{"schemaVersion": 1, "endpoints": [{"name": "x"}]}', 'KEYPORT_ENDPOINTS_CORRUPT', /is corrupt \(endpoints\.0\.url/],
    ['a newer schema', '{"schemaVersion": 9, "endpoints": []}', 'KEYPORT_ENDPOINTS_NEWER_SCHEMA', /newer Keyport \(schema 9\)/],
  ])('a file with %s is refused and left untouched', async (_what, text, code, message) => {
    const store = new EndpointStore(path.join(dir.path, `c-${code}-${text.length}`));
    await store.add({ name: 'api', url: 'https://api.internal/', identity: 'auto', ca: [], http: true, allowTls12WithoutEms: false });
    await writeFile(store.file, text);
    await expect(store.list()).rejects.toMatchObject({ code, message: expect.stringMatching(message) });
    await expect(store.record('api', report(1))).rejects.toMatchObject({ code });
    await expect(store.add({ name: 'b', url: 'https://b/', identity: 'auto', ca: [], http: true, allowTls12WithoutEms: false })).rejects.toMatchObject({ code });
    expect(await readFile(store.file, 'utf8')).toBe(text);
  });
});

const missing =
  requireBackend('openssl').missing ||
  requireBackend('keyring').missing ||
  requireBackend('tls-nginx', TLS_SERVER_PROBES.nginx).missing ||
  requireBackend('tls-go119', go119Probe).missing;

describe.skipIf(missing)('keyport endpoints and keyport test NAME / --all', () => {
  let ca: TestCa;
  let server: IssuedCert;
  let keyring: Keyring;
  let data: TempDir;
  let nginx: Server;
  let go: TlsServer;
  let closedPort: number;
  const cli = (args: string[]) => runCli(args, { dataDir: data.path, env: keyring.env, timeoutMs: 60_000 });

  beforeAll(async () => {
    [ca, keyring, data, closedPort] = await Promise.all([createTestCa({ ec: true }), startKeyring(), tempDir('endpoints-cli'), freePort()]);
    const [srv, client] = await Promise.all([ca.issueServer({ sans: ['DNS:localhost', 'IP:127.0.0.1'], ec: true }), ca.issueClient({ cn: 'endpoint-client', ec: true })]);
    server = srv;
    [nginx, go] = await Promise.all([
      startNginx({ server, directives: '' }),
      startGoServer({ version: 'TLSv1.2', certFile: server.certFile, keyFile: server.keyFile, chainFile: ca.intermediateFile, clientCaFile: ca.rootFile }, GO_119_BINARY),
    ]);
    const imported = await cli(['import', client.chainFile, '--key', client.keyFile, '--label', 'endpoint-client']);
    expect(imported.code).toBe(0);
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled([nginx?.stop(), go?.stop()]);
    await Promise.allSettled([keyring?.stop(), ca?.stop(), data?.remove()]);
  });

  it('add, list, test NAME (recorded), test --all in parallel, history, remove', async () => {
    const adds = [
      ['endpoints', 'add', 'web', `https://127.0.0.1:${nginx.port}/`, '--identity', 'none', '--ca', ca.rootFile],
      ['endpoints', 'add', 'down', `https://127.0.0.1:${closedPort}/`],
      ['endpoints', 'add', 'legacy', `https://127.0.0.1:${go.port}/`, '--identity', 'endpoint-client', '--ca', ca.rootFile, '--no-http', '--allow-tls12-without-ems'],
    ];
    for (const args of adds) expect((await cli(args)).code).toBe(0);
    const dup = await cli(['endpoints', 'add', 'web', `https://127.0.0.1:${nginx.port}/`]);
    expect(dup.code).toBe(7);
    expect(dup.stderr).toMatch(/^keyport: An endpoint named "web" exists already.*\[KEYPORT_ALREADY_EXISTS\]\n$/);

    const listed = JSON.parse((await cli(['endpoints', 'list', '--json'])).stdout) as Array<{ name: string; identity: string; allowTls12WithoutEms: boolean; http: boolean }>;
    expect(listed.map((e) => e.name)).toEqual(['web', 'down', 'legacy']);
    expect(listed[2]).toMatchObject({ allowTls12WithoutEms: true, http: false });
    expect(listed[2]!.identity).toMatch(/^[0-9a-f]{12}$/);

    const one = await cli(['test', 'web', '--json']);
    expect(one.code).toBe(0);
    expect((JSON.parse(one.stdout) as ProbeReport).diagnoses.map((d) => d.code)).toEqual(['no-client-cert-requested']);

    const all = await cli(['test', '--all']);
    expect(all.code).toBe(7); // "down" fails
    const lines = all.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^web +OK +\d+ ms {2}https:\/\/127\.0\.0\.1:\d+\/ {2}no-client-cert-requested: /);
    expect(lines[1]).toMatch(/^down +FAILED +\d+ ms {2}https:\/\/127\.0\.0\.1:\d+\/ {2}connection-refused: Nothing listens on that port$/);
    expect(lines[2]).toMatch(/^legacy +OK +\d+ ms {2}.*tls12-no-ems: TLS 1\.2 without the extended master secret$/);

    const history = JSON.parse((await cli(['endpoints', 'history', 'web', '--json'])).stdout) as Array<{ ok: boolean }>;
    expect(history.map((h) => h.ok)).toEqual([true, true]);
    const legacy = JSON.parse((await cli(['endpoints', 'history', 'legacy', '--json'])).stdout) as ProbeReport[];
    expect(legacy[0]!.diagnoses[0]).toMatchObject({ code: 'tls12-no-ems', severity: 'warning' });

    expect((await cli(['endpoints', 'remove', 'down'])).code).toBe(0);
    const gone = await cli(['test', 'down']);
    expect(gone.code).toBe(3);
    expect(gone.stderr).toMatch(/No saved endpoint is named "down"/);
  });

  it('bad input: one sentence, usage exit, nothing saved', async () => {
    const before = await readFile(path.join(data.path, 'endpoints.json'), 'utf8').catch(() => '');
    for (const [args, message] of [
      [['endpoints', 'add', 'bad name', 'https://x/'], /is not an endpoint name/],
      [['endpoints', 'add', 'x', 'http://x/'], /only https:\/\/ URLs/],
      [['endpoints', 'add', 'x', 'https://x/', '--header', 'no colon'], /is not a header/],
      [['test', 'web', '--servername', 'other'], /cannot change saved endpoint "web"/],
    ] as const) {
      const r = await cli([...args]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
    expect(await readFile(path.join(data.path, 'endpoints.json'), 'utf8').catch(() => '')).toBe(before);
  });
});
