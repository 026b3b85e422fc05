/**
 * Regression: a Node server refuses a client certificate from a CA it does not trust by closing
 * the connection, without an alert. Keyport said "it may not speak TLS on this port" (TLS 1.2)
 * and, on TLS 1.3 where our handshake is already done, `keyport test` reported
 * KEYPORT_INTERNAL "socket hang up". Both now name the likely cause: our client certificate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memorySigner } from '../../src/core/keystores/memory-signer';
import { runProbe } from '../../src/core/probe';
import { connect, type TlsVersionName } from '../../src/core/tls';
import { createPki, type TestCert, type TestPki } from './helpers/pki';
import { startNodeTls, type NodeTlsServer } from './helpers/servers';

describe('a Node server that drops a client certificate it does not trust', () => {
  let pki: TestPki;
  let stranger: TestPki;
  let server: TestCert;
  let client: TestCert;
  const running: NodeTlsServer[] = [];

  beforeAll(() => {
    pki = createPki();
    stranger = createPki('Stranger CA');
    server = pki.issue({ name: 'localhost', kind: 'ec', usage: 'server' });
    client = pki.issue({ name: 'dropped-client', kind: 'ec', usage: 'client' });
  });

  afterAll(async () => {
    await Promise.all(running.map((s) => s.stop()));
    pki?.cleanup();
    stranger?.cleanup();
  });

  /** Trusts only the stranger CA for client certificates; answers HTTP if it ever accepted one. */
  async function start(version: TlsVersionName): Promise<NodeTlsServer> {
    const s = await startNodeTls(
      { cert: server.certPem, key: server.keyPem, ca: stranger.ca.certPem, requestCert: true, rejectUnauthorized: true, minVersion: version, maxVersion: version },
      (sock) => sock.end('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n'),
    );
    running.push(s);
    return s;
  }

  const options = (port: number) => ({
    host: '127.0.0.1',
    port,
    servername: 'localhost',
    ca: [pki.ca.certPem],
    signer: memorySigner(client.key),
    chain: [client.certDer],
    timeoutMs: 5_000,
  });

  it('TLS 1.2: the handshake fails naming the client certificate', async () => {
    const s = await start('TLSv1.2');
    const error = await connect(options(s.port)).then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string },
    );
    expect(error?.code).toBe('KEYPORT_TLS_CLOSED');
    expect(error?.message).toMatch(/probably refused our client certificate \(check which CA it trusts/);
  });

  it('TLS 1.3: the connection test fails at the HTTP step with a TLS code naming the client certificate', async () => {
    const s = await start('TLSv1.3');
    const { signer, chain, ...rest } = options(s.port);
    const report = await runProbe({
      target: { host: rest.host, port: s.port, path: '/' },
      url: `https://localhost:${s.port}/`,
      identity: {
        id: 'dropped-client',
        label: 'dropped-client',
        status: 'valid',
        keyAlgorithm: 'EC-P256',
        store: { kind: 'keychain' },
        chain,
        load: () => Promise.resolve(signer),
      },
      candidates: [],
      ca: rest.ca,
      caFiles: [],
      servername: rest.servername,
      timeoutMs: rest.timeoutMs,
    });
    expect(report.ok).toBe(false);
    expect(report.steps.map((step) => [step.step, step.ok])).toEqual([['dns', true], ['tcp', true], ['handshake', true], ['http', false]]);
    expect(report.steps[3]?.error?.code).toBe('KEYPORT_TLS_CLOSED');
    expect(report.steps[3]?.error?.message).toMatch(/without an HTTP answer; it probably refused our client certificate/);
  });
});
