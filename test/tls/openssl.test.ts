import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, SessionCache, type KeyportTlsSocket } from '../../src/core/tls';
import { createPki, type TestCert, type TestKeyKind, type TestPki } from './helpers/pki';
import { startOpenssl, type OpensslServer } from './helpers/servers';
import { countingSigner } from './helpers/signer';

/** Sends an HTTP GET to an `s_server -www` and returns the page. */
async function getPage(sock: KeyportTlsSocket): Promise<string> {
  let page = '';
  sock.on('data', (d: Buffer) => (page += d.toString('latin1')));
  const ended = new Promise<void>((resolve, reject) => {
    sock.once('end', resolve);
    sock.once('error', reject);
  });
  sock.write('GET / HTTP/1.0\r\n\r\n');
  await ended;
  return page;
}

describe('against openssl s_server', () => {
  let pki: TestPki;
  const servers: OpensslServer[] = [];
  const serverCerts = {} as Record<'ec' | 'rsa', TestCert>;
  const clientCerts = {} as Record<TestKeyKind, TestCert>;

  const start = async (args: string[]): Promise<OpensslServer> => {
    const s = await startOpenssl(args);
    servers.push(s);
    return s;
  };
  const base = (kind: 'ec' | 'rsa' = 'ec'): string[] => ['-cert', serverCerts[kind].certPath, '-key', serverCerts[kind].keyPath, '-CAfile', pki.ca.certPath];
  const opts = (port: number) => ({ host: '127.0.0.1', port, servername: 'localhost', ca: [pki.ca.certPem], timeoutMs: 10_000 });

  beforeAll(() => {
    pki = createPki();
    serverCerts.ec = pki.issue({ name: 'localhost', kind: 'ec', usage: 'server' });
    serverCerts.rsa = pki.issue({ name: 'localhost', kind: 'rsa', usage: 'server' });
    for (const kind of ['ec', 'ec384', 'rsa'] as const) clientCerts[kind] = pki.issue({ name: `client-${kind}`, kind, usage: 'client' });
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    pki?.cleanup();
  });

  for (const serverKind of ['ec', 'rsa'] as const) {
    for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
      for (const clientKind of ['ec', 'ec384', 'rsa'] as const) {
        it(`${version}, ${serverKind} server: mutual TLS with an ${clientKind} client key`, async () => {
          const server = await start(['-www', '-Verify', '1', '-verify_return_error', ...base(serverKind)]);
          const signer = countingSigner(clientCerts[clientKind].key);
          const sock = await connect({ ...opts(server.port), signer, chain: [clientCerts[clientKind].certDer], minVersion: version, maxVersion: version });
          const info = sock.tlsInfo;
          const page = await getPage(sock);
          expect(page).toMatch(/^HTTP\/1.0 200 ok/);
          await server.waitFor(new RegExp(`depth=0 CN = client-${clientKind}`));
          expect(info.version).toBe(version);
          expect(info.clientCertificateSent).toBe(true);
          expect(signer.calls).toBe(1);
          expect(info.certificateRequest?.certificateAuthorities).toContain('CN=Keyport TLS Test CA');
          expect(info.serverSignatureScheme).toMatch(serverKind === 'ec' ? /^ecdsa_/ : /^rsa_pss_rsae_/);
          expect(info.signatureScheme).toMatch(
            clientKind === 'rsa' ? /^rsa_pss_rsae_sha256$/ : clientKind === 'ec' ? /^ecdsa_secp256r1_sha256$/ : /^ecdsa_secp384r1_sha384$/,
          );
          expect(info.cipherSuite).toMatch(version === 'TLSv1.3' ? /^TLS_AES_/ : new RegExp(`^TLS_ECDHE_${serverKind === 'ec' ? 'ECDSA' : 'RSA'}_WITH_`));
          expect(info.serverChain[0]?.equals(serverCerts[serverKind].certDer)).toBe(true);
          const types = sock.trace.filter((e) => e.direction === 'sent').map((e) => e.type);
          expect(types).toEqual(expect.arrayContaining(['ClientHello', 'Certificate', 'CertificateVerify', 'Finished']));
        });
      }
    }
  }

  it('TLS 1.2 falls back to rsa_pkcs1 when the server does not accept RSA-PSS for client certificates', async () => {
    const server = await start(['-www', '-Verify', '1', '-client_sigalgs', 'RSA+SHA256:ECDSA+SHA256', ...base()]);
    const signer = countingSigner(clientCerts.rsa.key);
    const sock = await connect({ ...opts(server.port), signer, chain: [clientCerts.rsa.certDer], maxVersion: 'TLSv1.2' });
    expect(sock.tlsInfo.signatureScheme).toBe('rsa_pkcs1_sha256');
    expect(await getPage(sock)).toMatch(/^HTTP\/1.0 200 ok/);
  });

  const suites: [string[], string, 'TLSv1.2' | 'TLSv1.3'][] = [
    [['-ciphersuites', 'TLS_AES_128_GCM_SHA256'], 'TLS_AES_128_GCM_SHA256', 'TLSv1.3'],
    [['-ciphersuites', 'TLS_AES_256_GCM_SHA384'], 'TLS_AES_256_GCM_SHA384', 'TLSv1.3'],
    [['-ciphersuites', 'TLS_CHACHA20_POLY1305_SHA256'], 'TLS_CHACHA20_POLY1305_SHA256', 'TLSv1.3'],
    [['-cipher', 'ECDHE-ECDSA-AES256-GCM-SHA384'], 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'TLSv1.2'],
    [['-cipher', 'ECDHE-ECDSA-CHACHA20-POLY1305'], 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'TLSv1.2'],
  ];
  for (const [args, name, version] of suites) {
    it(`negotiates ${name}`, async () => {
      const server = await start(['-www', ...args, ...base()]);
      const sock = await connect({ ...opts(server.port), maxVersion: version });
      expect(sock.tlsInfo.cipherSuite).toBe(name);
      expect(await getPage(sock)).toMatch(/^HTTP\/1.0 200 ok/);
    });
  }

  for (const group of ['P-256', 'P-384'] as const) {
    it(`answers a HelloRetryRequest when the server only accepts ${group}`, async () => {
      const server = await start(['-www', '-groups', group, ...base()]);
      const sock = await connect(opts(server.port));
      expect(sock.tlsInfo.group).toBe(group);
      expect(sock.trace.filter((e) => e.type === 'ClientHello')).toHaveLength(2);
      expect(await getPage(sock)).toMatch(/^HTTP\/1.0 200 ok/);
    });
  }

  it('TLS 1.2 uses the curve the server picks', async () => {
    const server = await start(['-www', '-groups', 'P-384', ...base()]);
    const sock = await connect({ ...opts(server.port), maxVersion: 'TLSv1.2' });
    expect(sock.tlsInfo.group).toBe('P-384');
    expect(await getPage(sock)).toMatch(/^HTTP\/1.0 200 ok/);
  });

  it('resumes a TLS 1.3 session from a ticket without signing again', async () => {
    const server = await start(['-www', '-Verify', '1', ...base()]);
    const cache = new SessionCache();
    const signer = countingSigner(clientCerts.ec.key);
    const identity = { signer, chain: [clientCerts.ec.certDer], sessionCache: cache };
    const first = await connect({ ...opts(server.port), ...identity });
    await getPage(first);
    expect(first.tlsInfo.resumed).toBe(false);
    expect(signer.calls).toBe(1);
    const second = await connect({ ...opts(server.port), ...identity });
    expect(second.tlsInfo.resumed).toBe(true);
    expect(second.tlsInfo.serverChain[0]?.equals(serverCerts.ec.certDer)).toBe(true);
    expect(second.trace.map((e) => e.type)).not.toContain('CertificateVerify');
    expect(await getPage(second)).toMatch(/^HTTP\/1.0 200 ok/);
    expect(signer.calls).toBe(1);
    // Tickets are keyed by identity: another identity does a full handshake.
    const other = countingSigner(clientCerts.rsa.key);
    const third = await connect({ ...opts(server.port), signer: other, chain: [clientCerts.rsa.certDer], sessionCache: cache });
    expect(third.tlsInfo.resumed).toBe(false);
    expect(other.calls).toBe(1);
    third.destroy();
  });

  it('KeyUpdate both ways with the server (s_server k/K commands)', async () => {
    const server = await start(['-tls1_3', ...base()]);
    const sock = await connect(opts(server.port));
    const received: string[] = [];
    sock.on('data', (d: Buffer) => received.push(d.toString()));
    const until = async (pred: () => boolean): Promise<void> => {
      for (let i = 0; i < 200 && !pred(); i++) await new Promise((r) => setTimeout(r, 25));
      expect(pred()).toBe(true);
    };
    // Server-initiated, with update_requested: we must answer with our own KeyUpdate.
    server.proc.stdin.write('K\n');
    await until(() => sock.trace.some((e) => e.type === 'KeyUpdate' && e.direction === 'received'));
    await until(() => sock.trace.some((e) => e.type === 'KeyUpdate' && e.direction === 'sent'));
    server.proc.stdin.write('after-server-update\n');
    await until(() => received.join('').includes('after-server-update'));
    sock.write('client-after-server-update\n');
    await server.waitFor(/client-after-server-update/);
    // Client-initiated, asking the server to update too.
    sock.keyUpdate(true);
    sock.write('client-after-own-update\n');
    await server.waitFor(/client-after-own-update/);
    // OpenSSL sends its answering KeyUpdate with its next write.
    server.proc.stdin.write('server-after-client-update\n');
    await until(() => received.join('').includes('server-after-client-update'));
    expect(sock.trace.filter((e) => e.type === 'KeyUpdate' && e.direction === 'received')).toHaveLength(2);
    sock.destroy();
  });

  it('updates keys automatically before the AEAD record limit', async () => {
    const server = await start(['-tls1_3', ...base()]);
    const sock = await connect({ ...opts(server.port), keyUpdateAfterRecords: 3 });
    for (let i = 0; i < 8; i++) sock.write(`line-${i}\n`);
    await server.waitFor(/line-7/);
    expect(sock.trace.filter((e) => e.type === 'KeyUpdate' && e.direction === 'sent').length).toBeGreaterThanOrEqual(2);
    sock.destroy();
  });

  it('surfaces the alert when the server rejects the client certificate (TLS 1.3 and 1.2)', async () => {
    const stranger = createPki('Some Other CA');
    try {
      const cert = stranger.issue({ name: 'stranger', kind: 'ec', usage: 'client' });
      const server = await start(['-www', '-Verify', '1', '-verify_return_error', ...base()]);
      for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
        const attempt = (async () => {
          const sock = await connect({ ...opts(server.port), signer: countingSigner(cert.key), chain: [cert.certDer], minVersion: version, maxVersion: version });
          return getPage(sock); // on 1.3 the verdict arrives after our Finished
        })();
        const err = await attempt.then(() => undefined, (e: unknown) => e as { code: string; message: string });
        expect(err?.code).toBe('KEYPORT_TLS_CLIENT_CERT_REJECTED');
        expect(err?.message).toMatch(/The server does not trust the client certificate's issuer \(alert 48 unknown_ca\)/);
      }
    } finally {
      stranger.cleanup();
    }
  });

  it('names the missing client certificate when the server requires one', async () => {
    const server = await start(['-www', '-Verify', '1', ...base()]);
    const err13 = await connect(opts(server.port)).then((s) => getPage(s)).then(() => undefined, (e: unknown) => e as { code: string; message: string });
    expect(err13?.code).toBe('KEYPORT_TLS_CLIENT_CERT_REJECTED');
    expect(err13?.message).toMatch(/alert 116 certificate_required/);
    const err12 = await connect({ ...opts(server.port), maxVersion: 'TLSv1.2' }).then(() => undefined, (e: unknown) => e as { code: string; message: string });
    expect(err12?.code).toBe('KEYPORT_TLS_HANDSHAKE_FAILURE');
    expect(err12?.message).toMatch(/alert 40 handshake_failure/);
  });
});
