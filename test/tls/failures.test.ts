import { createSecureContext, TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/core/tls';
import type { Signer } from '../../src/core/keystores/types';
import { createPki, type TestCert, type TestPki } from './helpers/pki';
import { startNodeTls, startOpenssl, startRawServer, type OpensslServer } from './helpers/servers';
import { startRewritingProxy, withoutExtension } from './helpers/rewriting-proxy';
import { countingSigner } from './helpers/signer';

type Failure = { code: string; message: string };
const failure = (p: Promise<unknown>): Promise<Failure | undefined> => p.then(() => undefined, (e: unknown) => e as Failure);

describe('failures are typed errors with one clear sentence', () => {
  let pki: TestPki;
  let other: TestPki;
  let server: TestCert;
  let strangerServer: TestCert;
  let client: TestCert;
  let openssl: OpensslServer;
  const stops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    pki = createPki();
    other = createPki('Untrusted CA');
    server = pki.issue({ name: 'localhost', kind: 'ec', usage: 'server' });
    strangerServer = other.issue({ name: 'localhost', kind: 'ec', usage: 'server' });
    client = pki.issue({ name: 'client', kind: 'ec', usage: 'client' });
    openssl = await startOpenssl(['-www', '-cert', server.certPath, '-key', server.keyPath]);
    stops.push(() => openssl.stop());
  });

  afterAll(async () => {
    await Promise.all(stops.map((s) => s()));
    pki?.cleanup();
    other?.cleanup();
  });

  const opts = (port: number) => ({ host: '127.0.0.1', port, servername: 'localhost', ca: [pki.ca.certPem], timeoutMs: 5000 });

  it('rejects a server certificate from an unknown CA, unless told not to verify', async () => {
    const s = await startNodeTls({ cert: strangerServer.certPem, key: strangerServer.keyPem }, (sock) => sock.end('hi'));
    stops.push(() => s.stop());
    const err = await failure(connect(opts(s.port)));
    expect(err?.code).toBe('KEYPORT_TLS_UNKNOWN_CA');
    expect(err?.message).toMatch(/issued by/);
    const sock = await connect({ ...opts(s.port), rejectUnauthorized: false });
    expect(sock.tlsInfo.serverChain[0]?.equals(strangerServer.certDer)).toBe(true);
    sock.destroy();
  });

  it('rejects a certificate for another host name', async () => {
    const err = await failure(connect({ ...opts(openssl.port), servername: 'wrong.example' }));
    expect(err?.code).toBe('KEYPORT_TLS_HOSTNAME_MISMATCH');
    expect(err?.message).toMatch(/wrong\.example/);
  });

  it('times out on a server that accepts and says nothing, naming the step', async () => {
    const s = await startRawServer(() => undefined);
    stops.push(() => s.stop());
    const started = Date.now();
    const err = await failure(connect({ ...opts(s.port), timeoutMs: 400 }));
    expect(err?.code).toBe('KEYPORT_TLS_TIMEOUT');
    expect(err?.message).toMatch(/timed out after 400 ms waiting for the ServerHello/);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('times out when the key never signs, naming the signing step', async () => {
    const stuck: Signer = { ...countingSigner(client.key), sign: () => new Promise<Buffer>(() => undefined) };
    const s = await startOpenssl(['-www', '-Verify', '1', '-cert', server.certPath, '-key', server.keyPath, '-CAfile', pki.ca.certPath]);
    stops.push(() => s.stop());
    const err = await failure(connect({ ...opts(s.port), signer: stuck, chain: [client.certDer], timeoutMs: 500 }));
    expect(err?.code).toBe('KEYPORT_TLS_TIMEOUT');
    expect(err?.message).toMatch(/waiting for the key to sign CertificateVerify.*PIN/);
  });

  it('reports a server that does not speak TLS', async () => {
    const s = await startRawServer((sock) => sock.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    stops.push(() => s.stop());
    const err = await failure(connect(opts(s.port)));
    expect(err?.code).toBe('KEYPORT_TLS_PROTOCOL');
    expect(err?.message).toMatch(/did not answer with TLS \(it sent plain text starting "HTTP\/"\)/);
  });

  it('reports a stream cut short in the middle of the handshake', async () => {
    const s = await startRawServer((sock) => sock.once('data', () => sock.end(Buffer.from('160303006402000060030300112233', 'hex'))));
    stops.push(() => s.stop());
    const err = await failure(connect(opts(s.port)));
    expect(err?.code).toBe('KEYPORT_TLS_CLOSED');
    expect(err?.message).toMatch(/closed the connection without an alert while waiting for the ServerHello/);
  });

  it('refuses an oversized record', async () => {
    const s = await startRawServer((sock) => sock.once('data', () => sock.write(Buffer.concat([Buffer.from('1603034e20', 'hex'), Buffer.alloc(100)]))));
    stops.push(() => s.stop());
    const err = await failure(connect(opts(s.port)));
    expect(err?.code).toBe('KEYPORT_TLS_PROTOCOL');
    expect(err?.message).toMatch(/longer than TLS allows/);
  });

  it('reports a refused connection', async () => {
    const s = await startRawServer(() => undefined);
    const port = s.port;
    await s.stop();
    const err = await failure(connect(opts(port)));
    expect(err?.code).toBe('KEYPORT_TLS_CONNECT_FAILED');
    expect(err?.message).toMatch(/Cannot connect to 127\.0\.0\.1:\d+: .*ECONNREFUSED/);
    // Regression: an IPv6 address read as "::1:PORT".
    const v6 = await failure(connect({ ...opts(port), host: '::1' }));
    expect(v6?.message).toMatch(new RegExp(`^Cannot connect to \\[::1\\]:${port}: `));
  });

  it('refuses a TLS 1.2 server without extended master secret', async () => {
    const s12 = await startOpenssl(['-www', '-tls1_2', '-cert', server.certPath, '-key', server.keyPath]);
    stops.push(() => s12.stop());
    const proxy = await startRewritingProxy(s12.port, { fromServer: (r) => withoutExtension(r, 23) });
    stops.push(() => proxy.stop());
    const err = await failure(connect(opts(proxy.port)));
    expect(err?.code).toBe('KEYPORT_TLS_HANDSHAKE_FAILURE');
    expect(err?.message).toMatch(/extended master secret/);
  });

  it('detects a downgrade to TLS 1.2 through the ServerHello.random sentinel', async () => {
    // Hiding supported_versions makes the (1.3-capable) server answer 1.2 with the sentinel.
    const proxy = await startRewritingProxy(openssl.port, { fromClient: (r) => withoutExtension(r, 43) });
    stops.push(() => proxy.stop());
    const err = await failure(connect(opts(proxy.port)));
    expect(err?.code).toBe('KEYPORT_TLS_PROTOCOL');
    expect(err?.message).toMatch(/downgrade from TLS 1\.3/);
  });

  it('says a reset right after we sent our certificate is probably its refusal (the alert was lost)', async () => {
    // node:tls over a raw TCP socket we can reset (RST) once the handshake is done.
    const context = createSecureContext({ cert: server.certPem, key: server.keyPem, ca: pki.ca.certPem });
    const s = await startRawServer((raw) => {
      const tls = new TLSSocket(raw, { isServer: true, secureContext: context, requestCert: true, rejectUnauthorized: false });
      tls.on('error', () => undefined);
      tls.once('secure', () => raw.resetAndDestroy());
    });
    stops.push(() => s.stop());
    const sock = await connect({ ...opts(s.port), signer: countingSigner(client.key), chain: [client.certDer], maxVersion: 'TLSv1.3' });
    const err = await new Promise<Failure>((resolve) => {
      sock.once('error', (e) => resolve(e as unknown as Failure));
      const poke = setInterval(() => sock.writable && sock.write('ping'), 5);
      sock.once('close', () => clearInterval(poke));
    });
    expect(err.code).toBe('KEYPORT_TLS_CLOSED');
    expect(err.message).toMatch(/failed: (EPIPE|ECONNRESET); it probably refused our client certificate/);
  });

  it('refuses a bad minVersion/maxVersion range before connecting', async () => {
    const err = await failure(connect({ ...opts(1), minVersion: 'TLSv1.3', maxVersion: 'TLSv1.2' }));
    expect(err?.code).toBe('KEYPORT_INVALID_ARGUMENT');
  });
});
