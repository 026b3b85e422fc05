/**
 * Regression tests for the client bugs BoGo found (issue 5, findings F1-F9 in bogo-findings.md),
 * each shown against a real server (openssl s_server), through a loopback proxy where the
 * server must misbehave.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/core/tls';
import { startLoopbackProxy, type LoopbackProxy } from './helpers/loopback-proxy';
import { createPki, type TestCert, type TestPki } from './helpers/pki';
import { startOpenssl, startRawServer, type OpensslServer } from './helpers/servers';
import { startRewritingProxy } from './helpers/rewriting-proxy';
import { countingSigner } from './helpers/signer';

type Failure = { code: string; message: string };
const failure = (p: Promise<unknown>): Promise<Failure | undefined> => p.then(() => undefined, (e: unknown) => e as Failure);

/** A loopback proxy to `target` that keeps every byte the client sent. */
async function startRecordingProxy(target: number): Promise<LoopbackProxy & { fromClient: () => Buffer }> {
  const chunks: Buffer[] = [];
  const proxy = await startLoopbackProxy(target, (client, upstream) => {
    client.on('data', (d: Buffer) => chunks.push(d));
    client.pipe(upstream).pipe(client);
  });
  return { ...proxy, fromClient: () => Buffer.concat(chunks) };
}

/** [content type, record version] of each record in `bytes`. */
function recordHeaders(bytes: Buffer): [number, number][] {
  const out: [number, number][] = [];
  for (let p = 0; p + 5 <= bytes.length; p += 5 + bytes.readUInt16BE(p + 3)) out.push([bytes[p] as number, bytes.readUInt16BE(p + 1)]);
  return out;
}

/** Polls `done` until it holds (at most 5 s). */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !done(); i++) await new Promise((r) => setTimeout(r, 50));
}

const alertRecord = (level: number, description: number): Buffer => Buffer.of(21, 3, 3, 0, 2, level, description);

describe('TLS client fixes found by BoGo', () => {
  let pki: TestPki;
  let other: TestPki;
  let server: TestCert;
  let stranger: TestCert;
  let client: TestCert;
  const stops: (() => Promise<void>)[] = [];

  const openssl = async (args: string[]): Promise<OpensslServer> => {
    const s = await startOpenssl(args);
    stops.push(() => s.stop());
    return s;
  };
  const base = (cert: TestCert = server): string[] => ['-cert', cert.certPath, '-key', cert.keyPath];
  const opts = (port: number) => ({ host: '127.0.0.1', port, servername: 'localhost', ca: [pki.ca.certPem], timeoutMs: 10_000 });

  beforeAll(() => {
    pki = createPki();
    other = createPki('Untrusted CA');
    server = pki.issue({ name: 'localhost', kind: 'ec', usage: 'server' });
    stranger = other.issue({ name: 'localhost', kind: 'ec', usage: 'server' });
    client = pki.issue({ name: 'client', kind: 'ec', usage: 'client' });
  });

  afterAll(async () => {
    await Promise.all(stops.map((s) => s()));
    pki?.cleanup();
    other?.cleanup();
  });

  it('sends TLS 1.3 alerts encrypted after ServerHello (F1)', async () => {
    const s = await openssl(['-tls1_3', ...base(stranger)]);
    const proxy = await startRecordingProxy(s.port);
    stops.push(() => proxy.stop());
    const err = await failure(connect(opts(proxy.port)));
    expect(err?.code).toBe('KEYPORT_TLS_UNKNOWN_CA');
    await s.waitFor(/alert unknown ca|alert number 48/i);
    // On the wire: ClientHello, the compatibility CCS, then the alert sealed as application data.
    await until(() => recordHeaders(proxy.fromClient()).length >= 3);
    expect(recordHeaders(proxy.fromClient()).map(([type]) => type)).toEqual([22, 20, 23]);
  });

  it('sends the compatibility ChangeCipherSpec once, right before ClientHello2 after a HelloRetryRequest (F2)', async () => {
    const s = await openssl(['-tls1_3', '-groups', 'P-384', '-www', ...base()]);
    const sock = await connect({ ...opts(s.port), groups: ['X25519', 'P-384'] });
    const sent = sock.trace.filter((e) => e.direction === 'sent').map((e) => e.type);
    sock.destroy();
    expect(sock.tlsInfo.group).toBe('P-384');
    expect(sent.slice(0, 3)).toEqual(['ClientHello', 'ChangeCipherSpec', 'ClientHello']);
    expect(sent.filter((t) => t === 'ChangeCipherSpec')).toHaveLength(1);
  });

  it('sends the compatibility ChangeCipherSpec once, after ServerHello, without a HelloRetryRequest (F1)', async () => {
    const s = await openssl(['-tls1_3', '-www', ...base()]);
    const sock = await connect(opts(s.port));
    const sent = sock.trace.filter((e) => e.direction === 'sent').map((e) => e.type);
    sock.destroy();
    expect(sent.slice(0, 2)).toEqual(['ClientHello', 'ChangeCipherSpec']);
    expect(sent.filter((t) => t === 'ChangeCipherSpec')).toHaveLength(1);
  });

  it('writes the first ClientHello record as TLS 1.0 and every later record as TLS 1.2 (F9)', async () => {
    const s = await openssl(['-tls1_3', '-groups', 'P-384', '-www', ...base()]);
    const proxy = await startRecordingProxy(s.port);
    stops.push(() => proxy.stop());
    const sock = await connect({ ...opts(proxy.port), groups: ['X25519', 'P-384'] });
    await new Promise((resolve, reject) => {
      sock.on('data', () => undefined).once('end', resolve).once('error', reject);
      sock.write('GET / HTTP/1.0\r\n\r\n');
    });
    sock.destroy();
    const headers = recordHeaders(proxy.fromClient());
    expect(headers[0]).toEqual([22, 0x0301]);
    // ChangeCipherSpec, ClientHello2, then encrypted Finished and request.
    expect(headers.length).toBeGreaterThanOrEqual(5);
    expect(headers.slice(1).every(([, version]) => version === 0x0303)).toBe(true);
  });

  it('ignores TLS 1.2 warning alerts such as unrecognized_name before ServerHello (F8)', async () => {
    const s = await openssl(['-tls1_2', '-www', ...base()]);
    const warnings = Buffer.concat([alertRecord(1, 112), alertRecord(1, 112)]);
    const proxy = await startRewritingProxy(s.port, { fromServer: (r) => Buffer.concat([warnings, r]) });
    stops.push(() => proxy.stop());
    const sock = await connect(opts(proxy.port));
    expect(sock.tlsInfo.version).toBe('TLSv1.2');
    expect(sock.trace.filter((e) => e.direction === 'received' && e.kind === 'alert')).toHaveLength(2);
    sock.destroy();
  });

  it('still ends on a warning close_notify, and on more than four warnings in a row (F8, F5)', async () => {
    const closing = await startRawServer((sock) => sock.once('data', () => sock.write(alertRecord(1, 0))));
    stops.push(() => closing.stop());
    const closed = await failure(connect(opts(closing.port)));
    expect(closed?.code).toBe('KEYPORT_TLS_CLOSED');
    expect(closed?.message).toMatch(/close_notify/);

    const flood = Buffer.concat(Array.from({ length: 5 }, () => alertRecord(1, 112)));
    const noisy = await startRawServer((sock) => sock.once('data', () => sock.write(flood)));
    stops.push(() => noisy.stop());
    const err = await failure(connect(opts(noisy.port)));
    expect(err?.code).toBe('KEYPORT_TLS_PROTOCOL');
    expect(err?.message).toMatch(/more than 4 warning alerts/);
  });

  it('answers handshake_failure when the server accepts no scheme the client key can make (F4)', async () => {
    // A P-256 key can only make ecdsa_secp256r1_sha256 in TLS 1.3.
    const s = await openssl(['-tls1_3', '-Verify', '1', '-client_sigalgs', 'ECDSA+SHA384', '-CAfile', pki.ca.certPath, ...base()]);
    const signer = countingSigner(client.key);
    const err = await failure(connect({ ...opts(s.port), signer, chain: [client.certDer] }));
    expect(err?.code).toBe('KEYPORT_SIGN_SCHEME_UNSUPPORTED');
    expect(err?.message).toMatch(/accepts none of the signature schemes/);
    expect(signer.calls).toBe(0);
    await s.waitFor(/alert handshake failure|alert number 40/i);
  });
});
