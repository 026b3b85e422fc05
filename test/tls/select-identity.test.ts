/**
 * connect({ selectIdentity }) against node:tls servers that trust only CA B (so they name it in
 * certificate_authorities), on TLS 1.3 and 1.2: the selector is called once with the CA names as
 * DER and text plus the schemes, its choice is the certificate the server sees and the trace names
 * it; a throw inside it fails the handshake with that error, fast; undefined sends an empty
 * Certificate; a selector that never answers runs into the handshake timeout.
 */
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseIdentity, type IdentityCandidate } from '../../src/core/identities/select';
import { memorySigner } from '../../src/core/keystores/memory-signer';
import { certFacts } from '../../src/core/pki/chain';
import { connect, type CertificateRequestDetails, type ConnectOptions, type IdentitySelector } from '../../src/core/tls';
import { KeyportError } from '../../src/shared/errors';
import { requireBackend } from '../testbed/backend';
import { createPki, type TestCert, type TestPki } from './helpers/pki';
import { startNodeTls, type NodeTlsServer } from './helpers/servers';

const missing = requireBackend('openssl').missing;

describe.skipIf(missing)('connect() with selectIdentity', () => {
  let a: TestPki;
  let b: TestPki;
  let server: TestCert;
  const clients = {} as Record<'alice' | 'bob', TestCert>;
  let strict: NodeTlsServer;
  let lenient: NodeTlsServer;
  const peers: string[] = [];

  beforeAll(async () => {
    a = createPki('Selector CA A');
    b = createPki('Selector CA B');
    server = a.issue({ name: 'localhost', kind: 'ec', usage: 'server' });
    clients.alice = a.issue({ name: 'alice', kind: 'ec', usage: 'client' });
    clients.bob = b.issue({ name: 'bob', kind: 'ec', usage: 'client' });
    const onSocket = (s: TLSSocket) => {
      peers.push(String(s.getPeerCertificate().subject?.CN ?? '(none)'));
      s.end('hi\n');
    };
    const base = { cert: server.certPem, key: server.keyPem, ca: b.ca.certPem, requestCert: true, minVersion: 'TLSv1.2' as const };
    strict = await startNodeTls({ ...base, rejectUnauthorized: true }, onSocket);
    lenient = await startNodeTls({ ...base, rejectUnauthorized: false }, onSocket);
  });

  afterAll(async () => {
    await Promise.all([strict?.stop(), lenient?.stop()]);
    a?.cleanup();
    b?.cleanup();
  });

  const candidates = (): IdentityCandidate[] =>
    (['alice', 'bob'] as const).map((id) => ({ id, label: id, status: 'valid', keyAlgorithm: 'EC-P256', chain: [clients[id].certDer] }));
  const opts = (port: number, version: 'TLSv1.2' | 'TLSv1.3', selectIdentity: IdentitySelector): ConnectOptions => ({
    host: '127.0.0.1',
    port,
    servername: 'localhost',
    ca: [a.ca.certPem],
    minVersion: version,
    maxVersion: version,
    timeoutMs: 10_000,
    selectIdentity,
  });
  const waitForPeer = async (count: number) => {
    for (let i = 0; i < 200 && peers.length < count; i++) await new Promise((r) => setTimeout(r, 10));
  };

  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    it(`${version}: the selector sees CA B's name and schemes once; the server sees the identity it chose`, async () => {
      const requests: CertificateRequestDetails[] = [];
      const seen = peers.length;
      const sock = await connect(
        opts(strict.port, version, async (request) => {
          requests.push(request);
          const chosen = chooseIdentity(request, candidates());
          return { signer: memorySigner(clients[chosen.id as 'alice' | 'bob'].key), chain: chosen.chain, label: chosen.label };
        }),
      );
      try {
        expect(requests).toHaveLength(1);
        const [request] = requests;
        expect(request!.version).toBe(version);
        expect(request!.certificateAuthorityNames).toHaveLength(1);
        expect(request!.certificateAuthorityNames[0]!.equals(certFacts(b.ca.certDer).subject)).toBe(true);
        expect(request!.certificateAuthorities).toEqual(['CN=Selector CA B']);
        expect(request!.signatureSchemes).toContain(0x0403);
        expect(request!.signatureAlgorithms).toContain('ecdsa_secp256r1_sha256');
        expect(request!.signatureAlgorithms).toHaveLength(request!.signatureSchemes.length);
        expect(sock.tlsInfo).toMatchObject({ version, clientCertificateSent: true, signatureScheme: 'ecdsa_secp256r1_sha256' });
        expect(sock.tlsInfo.certificateRequest?.certificateAuthorities).toEqual(['CN=Selector CA B']);
        expect(sock.trace.filter((e) => e.direction === 'sent' && e.type === 'Certificate').map((e) => e.detail)).toEqual(['bob']);
        await waitForPeer(seen + 1);
        expect(peers.slice(seen)).toEqual(['bob']);
      } finally {
        sock.destroy();
      }
    });

    it(`${version}: a throw inside the selector fails the handshake with that error, at once`, async () => {
      const started = Date.now();
      const plain = connect(opts(strict.port, version, () => Promise.reject(new Error('boom'))));
      await expect(plain).rejects.toMatchObject({ code: 'KEYPORT_INTERNAL', message: 'Choosing the client identity failed: boom' });
      const keyport = connect(
        opts(strict.port, version, async () => {
          throw new KeyportError('KEYPORT_NO_MATCHING_IDENTITY', 'No identity fits.');
        }),
      );
      await expect(keyport).rejects.toMatchObject({ code: 'KEYPORT_NO_MATCHING_IDENTITY', message: 'No identity fits.' });
      expect(Date.now() - started).toBeLessThan(5_000);
    });

    it(`${version}: undefined from the selector sends an empty Certificate`, async () => {
      const seen = peers.length;
      const sock = await connect(opts(lenient.port, version, async () => undefined));
      try {
        expect(sock.tlsInfo.clientCertificateSent).toBe(false);
        expect(sock.trace.filter((e) => e.direction === 'sent' && e.type === 'Certificate').map((e) => e.detail)).toEqual(['empty: no client identity']);
        await waitForPeer(seen + 1);
        expect(peers.slice(seen)).toEqual(['(none)']);
      } finally {
        sock.destroy();
      }
    });
  }

  it('a selector that never answers runs into the handshake timeout, which names the step', async () => {
    const never = connect({ ...opts(strict.port, 'TLSv1.3', () => new Promise(() => undefined)), timeoutMs: 500 });
    await expect(never).rejects.toMatchObject({ code: 'KEYPORT_TLS_TIMEOUT', message: expect.stringContaining('choosing the client identity') });
  });

  it('refuses a selector together with a fixed signer and chain', async () => {
    const both = connect({
      ...opts(strict.port, 'TLSv1.3', async () => undefined),
      signer: memorySigner(clients.bob.key),
      chain: [clients.bob.certDer],
    });
    await expect(both).rejects.toMatchObject({ code: 'KEYPORT_INVALID_ARGUMENT', message: expect.stringMatching(/one way only/) });
  });
});
