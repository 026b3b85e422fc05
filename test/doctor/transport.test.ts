/**
 * The doctor on the transport and the server's certificate, in-process against real peers on
 * loopback: an unresolvable name (.invalid, answered without a DNS query), a closed port, a
 * listener that never answers, plain HTTP and an SSH banner on the TLS port, openssl s_server
 * with no common cipher and with untrusted, misnamed, expired and future server certificates,
 * nginx speaking only TLS 1.1, a Node https server whose Date header is an hour off, and Go 1.19's
 * TLS 1.2 server without the extended master secret (refused by default, a warning when allowed).
 * Each case asserts the code, its severity, and what detail/fix must name.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBackend } from '../testbed/backend';
import { createTestCa, type IssuedCert, type TestCa } from '../testbed/ca';
import { freePort } from '../testbed/proc';
import { GO_119_BINARY, go119Probe, startGoServer, startScriptedServer, startStallingServer, TLS_SERVER_PROBES } from '../testbed/tls-servers';
import { expectDiagnosis, firstError, memoryIdentity, probe, startNginx, startSServer } from './helpers';

const missing =
  requireBackend('openssl').missing ||
  requireBackend('tls-nginx', TLS_SERVER_PROBES.nginx).missing ||
  requireBackend('tls-go119', go119Probe).missing;

describe.skipIf(missing)('the connection doctor: transport and server certificate', () => {
  let ca: TestCa;
  let server: IssuedCert;
  let client: IssuedCert;
  let expiredServer: IssuedCert;
  let futureServer: IssuedCert;
  const stops: Array<() => Promise<unknown>> = [];
  const day = 24 * 3600 * 1000;

  beforeAll(async () => {
    ca = await createTestCa({ ec: true });
    [server, client, expiredServer, futureServer] = await Promise.all([
      ca.issueServer({ sans: ['DNS:localhost', 'IP:127.0.0.1'], ec: true }),
      ca.issueClient({ cn: 'doctor-client', ec: true }),
      ca.issueClient({ cn: 'localhost', ec: true, eku: ['serverAuth'], notBefore: new Date(Date.now() - 10 * day), days: 1 }),
      ca.issueClient({ cn: 'localhost', ec: true, eku: ['serverAuth'], notBefore: new Date(Date.now() + day), days: 30 }),
    ]);
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled(stops.map((s) => s()));
    await ca?.stop();
  });

  const sServer = async (args: string[]) => {
    const s = await startSServer(args);
    stops.push(() => s.stop());
    return s;
  };

  it('dns-failed: a name under .invalid, answered without asking a DNS server', async () => {
    const r = await probe(443, { host: 'no-such-host.invalid' });
    expect(r.ok).toBe(false);
    expect(r.steps.map((s) => [s.step, s.ok])).toEqual([['dns', false]]);
    expect(firstError(r)?.code).toBe('dns-failed');
    expectDiagnosis(r, 'dns-failed', 'error', 'no-such-host.invalid');
  });

  it('connection-refused: a closed port', async () => {
    const port = await freePort();
    const r = await probe(port);
    expect(r.steps.map((s) => [s.step, s.ok])).toEqual([['dns', true], ['tcp', false]]);
    expectDiagnosis(r, 'connection-refused', 'error', `127.0.0.1:${port}`);
  });

  it('timeout: a listener that never answers, named as the handshake step', async () => {
    const silent = await startStallingServer();
    stops.push(() => silent.stop());
    const r = await probe(silent.port, { timeoutMs: 700 });
    expect(r.steps.at(-1)).toMatchObject({ step: 'handshake', ok: false, error: { code: 'KEYPORT_TLS_TIMEOUT' } });
    expectDiagnosis(r, 'timeout', 'error', 'handshake step', /speaks TLS/);
  });

  it('not-tls: plain HTTP on the TLS port says http://', async () => {
    const plain = http.createServer((_req, res) => res.end('hello'));
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    stops.push(() => new Promise((resolve) => plain.close(resolve)));
    const port = (plain.address() as AddressInfo).port;
    const r = await probe(port, { path: '/health' });
    expectDiagnosis(r, 'not-tls', 'error', 'HTTP/1.1 400', `http://127.0.0.1:${port}/health`);
  });

  it('not-tls: an SSH banner', async () => {
    const ssh = await startScriptedServer(async (socket) => {
      socket.write('SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n');
      await new Promise((resolve) => setTimeout(resolve, 500));
    });
    stops.push(() => ssh.stop());
    const r = await probe(ssh.port);
    expectDiagnosis(r, 'not-tls', 'error', 'an SSH banner', 'SSH-2.0-OpenSSH_9.2p1');
  });

  it('no-common-cipher: s_server with only AES128-SHA (RSA key exchange, CBC)', async () => {
    const s = await sServer(['-cert', server.certFile, '-key', server.keyFile, '-tls1_2', '-cipher', 'AES128-SHA', '-www']);
    const r = await probe(s.port, { ca: [Buffer.from(ca.rootPem)] });
    expectDiagnosis(r, 'no-common-cipher', 'error', 'alert 40 handshake_failure', 'TLS_AES_128_GCM_SHA256', 'X25519');
  });

  it('no-common-version: nginx with ssl_protocols TLSv1.1', async () => {
    const n = await startNginx({ server, directives: 'ssl_protocols TLSv1.1; ssl_ciphers DEFAULT@SECLEVEL=0;' });
    stops.push(() => n.stop());
    const r = await probe(n.port, { ca: [Buffer.from(ca.rootPem)] });
    expect(firstError(r)?.code).toBe('no-common-version');
    expectDiagnosis(r, 'no-common-version', 'error', /SSLv3, TLS 1\.0 or 1\.1|TLSv1\.1/, 'ssl_protocols TLSv1.2 TLSv1.3');
  });

  it('server-cert-untrusted: no --ca, so the system store, which lacks the test root', async () => {
    const s = await sServer(['-cert', server.certFile, '-cert_chain', ca.intermediateFile, '-key', server.keyFile, '-www']);
    const r = await probe(s.port);
    expect(r.serverChain?.[0]?.subject).toMatch(/localhost/);
    expectDiagnosis(r, 'server-cert-untrusted', 'error', "the system's trust store", '--ca FILE', /Keyport Test Root|Root/);
  });

  it('server-cert-name-mismatch: --servername names another host', async () => {
    const s = await sServer(['-cert', server.certFile, '-cert_chain', ca.intermediateFile, '-key', server.keyFile, '-www']);
    const r = await probe(s.port, { ca: [Buffer.from(ca.rootPem)], caFiles: [ca.rootFile], servername: 'api.other.example' });
    expectDiagnosis(r, 'server-cert-name-mismatch', 'error', 'DNS:localhost', 'IP:127.0.0.1', 'api.other.example', '--servername');
  });

  it('server-cert-expired names the dates', async () => {
    const s = await sServer(['-cert', expiredServer.certFile, '-cert_chain', ca.intermediateFile, '-key', expiredServer.keyFile, '-www']);
    const r = await probe(s.port, { ca: [Buffer.from(ca.rootPem)] });
    const notAfter = new Date(Date.now() - 9 * day).toISOString().slice(0, 10);
    expectDiagnosis(r, 'server-cert-expired', 'error', `expired on ${notAfter}`);
  });

  it('server-cert-not-yet-valid, and clock-skew from its fresh notBefore', async () => {
    const s = await sServer(['-cert', futureServer.certFile, '-cert_chain', ca.intermediateFile, '-key', futureServer.keyFile, '-www']);
    const r = await probe(s.port, { ca: [Buffer.from(ca.rootPem)] });
    const from = new Date(Date.now() + day).toISOString().slice(0, 13);
    expectDiagnosis(r, 'server-cert-not-yet-valid', 'error', `valid only from ${from}`, 'clock');
    expectDiagnosis(r, 'clock-skew', 'warning', /\d+ (hours|minutes)/);
  });

  it("clock-skew: a server whose Date header is an hour ahead (Node's https)", async () => {
    const s = https.createServer({ key: await readFile(server.keyFile), cert: server.chainPem }, (_req, res) => {
      res.setHeader('Date', new Date(Date.now() + 3600_000).toUTCString());
      res.end('ok');
    });
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    stops.push(() => new Promise((resolve) => (s.closeAllConnections(), s.close(resolve))));
    const r = await probe((s.address() as AddressInfo).port, { ca: [Buffer.from(ca.rootPem)] });
    expect(r.ok).toBe(true);
    expectDiagnosis(r, 'clock-skew', 'warning', 'Date header', /6\d minutes/);
    expectDiagnosis(r, 'no-client-cert-requested', 'info', `127.0.0.1:`);
  });

  describe("Go 1.19's TLS 1.2 server, without the extended master secret", () => {
    const start = async () => {
      const go = await startGoServer({ version: 'TLSv1.2', certFile: server.certFile, keyFile: server.keyFile, chainFile: ca.intermediateFile, clientCaFile: ca.rootFile }, GO_119_BINARY);
      stops.push(() => go.stop());
      return go;
    };

    it('refused by default: tls12-no-ems is the error, and names the opt-in', async () => {
      const go = await start();
      const r = await probe(go.port, { ca: [Buffer.from(ca.rootPem)], identity: memoryIdentity('go-client', client), http: false });
      expect(r.ok).toBe(false);
      expect(firstError(r)?.code).toBe('tls12-no-ems');
      expectDiagnosis(r, 'tls12-no-ems', 'error', '--allow-tls12-without-ems', `127.0.0.1:${go.port}`);
    });

    it('with --allow-tls12-without-ems: accepted, and marked as a warning', async () => {
      const go = await start();
      const r = await probe(go.port, { ca: [Buffer.from(ca.rootPem)], identity: memoryIdentity('go-client', client), http: false, allowTls12WithoutEms: true });
      expect(r.ok).toBe(true);
      expect(r.negotiated).toMatchObject({ version: 'TLSv1.2', extendedMasterSecret: false, clientCertificateSent: true });
      expectDiagnosis(r, 'tls12-no-ems', 'warning', '--allow-tls12-without-ems');
      expect(r.diagnoses.filter((d) => d.severity === 'error')).toEqual([]);
      const evidence = await go.evidence();
      expect(evidence.map((e) => e.subject)).toContain('CN=doctor-client');
    });
  });
});
