/**
 * The doctor on client authentication, in-process against real servers on loopback, one
 * configuration per diagnosis: nginx (ssl_verify_client on | optional | optional_no_ca | off,
 * ssl_verify_depth, ssl_client_certificate naming another CA, return 403 on a map of
 * $ssl_client_s_dn, 401 with WWW-Authenticate), openssl s_server (-Verify -verify_return_error
 * -CAfile, -no_ca_names, -client_sigalgs), gnutls-serv, the BoringSSL server (alert 49) and Go's
 * (alert 42). Identities hold their keys in memory here (the key-store cases are in
 * key-stores.test.ts); each case asserts the code, its severity, and what detail/fix must name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeIdentity, ProbeOptions } from '../../src/core/probe';
import { requireBackend } from '../testbed/backend';
import { createTestCa, type IssuedCert, type TestCa } from '../testbed/ca';
import { boringSslProbe, startBoringSslServer, startTlsServer, TLS_SERVER_PROBES } from '../testbed/tls-servers';
import { expectDiagnosis, firstError, memoryIdentity, probe, startNginx, startSServer, type NginxCase } from './helpers';

const missing =
  requireBackend('openssl').missing ||
  requireBackend('tls-nginx', TLS_SERVER_PROBES.nginx).missing ||
  requireBackend('tls-gnutls', TLS_SERVER_PROBES.gnutls).missing ||
  requireBackend('tls-go', TLS_SERVER_PROBES.go).missing ||
  requireBackend('tls-boringssl', boringSslProbe).missing;

describe.skipIf(missing)('the connection doctor: client authentication', () => {
  let ca: TestCa;
  let stranger: TestCa;
  let server: IssuedCert;
  let ids: Record<'good' | 'other' | 'expired' | 'future' | 'serverOnly' | 'leafOnly', ProbeIdentity>;
  const stops: Array<() => Promise<unknown>> = [];
  const day = 24 * 3600 * 1000;

  beforeAll(async () => {
    [ca, stranger] = await Promise.all([createTestCa({ ec: true }), createTestCa({ ec: true, name: 'Stranger' })]);
    const [srv, good, other, expired, future, serverOnly] = await Promise.all([
      ca.issueServer({ sans: ['DNS:localhost', 'IP:127.0.0.1'], ec: true }),
      ca.issueClient({ cn: 'doctor-good', ec: true }),
      stranger.issueClient({ cn: 'doctor-other', ec: true }),
      ca.issueClient({ cn: 'doctor-expired', ec: true, notBefore: new Date(Date.now() - 10 * day), days: 1 }),
      ca.issueClient({ cn: 'doctor-future', ec: true, notBefore: new Date(Date.now() + day), days: 30 }),
      ca.issueClient({ cn: 'doctor-server-only', ec: true, eku: ['serverAuth'] }),
    ]);
    server = srv!;
    ids = {
      good: memoryIdentity('good', good!),
      other: memoryIdentity('other', other!),
      expired: memoryIdentity('expired', expired!),
      future: memoryIdentity('future', future!),
      serverOnly: memoryIdentity('server-only', serverOnly!),
      leafOnly: memoryIdentity('leaf-only', { keyPem: good!.keyPem, chainPem: good!.certPem }),
    };
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled(stops.map((s) => s()));
    await Promise.allSettled([ca?.stop(), stranger?.stop()]);
  });

  const trust = (): Partial<ProbeOptions> => ({ ca: [Buffer.from(ca.rootPem)], caFiles: [ca.rootFile], candidates: [ids.good, ids.other] });

  async function nginx(directives: string, extra: Partial<NginxCase> = {}) {
    const n = await startNginx({ server, directives, ...extra });
    stops.push(() => n.stop());
    return n.port;
  }
  async function sServer(args: string[]) {
    const s = await startSServer(['-cert', server.certFile, '-cert_chain', ca.intermediateFile, '-key', server.keyFile, '-www', ...args]);
    stops.push(() => s.stop());
    return s.port;
  }
  const verifyOn = () => `ssl_verify_client on; ssl_client_certificate ${JSON.stringify(ca.rootFile)};`;

  describe('nginx', () => {
    it('ssl_verify_client on, a fitting identity: ok, no error', async () => {
      const r = await probe(await nginx(verifyOn()), { ...trust(), identity: ids.good });
      expect(r.ok).toBe(true);
      expect(r.http?.status).toBe(200);
      expect(r.diagnoses.filter((d) => d.severity === 'error')).toEqual([]);
    });

    it('ssl_verify_client on, --identity none: client-cert-required names the identity that would fit', async () => {
      const r = await probe(await nginx(verifyOn()), { ...trust(), identity: 'none' });
      expect(r.http?.status).toBe(400);
      expect(firstError(r)?.code).toBe('client-cert-required');
      expectDiagnosis(r, 'client-cert-required', 'error', 'No required SSL certificate was sent', 'Keyport Test Root', '--identity good');
    });

    it('ssl_client_certificate naming another CA: client-ca-not-accepted names that CA and the identity that fits', async () => {
      const port = await nginx(`ssl_verify_client on; ssl_client_certificate ${JSON.stringify(stranger.rootFile)};`);
      const r = await probe(port, { ...trust(), identity: ids.good });
      expect(r.ok).toBe(false);
      expect(firstError(r)?.code).toBe('client-ca-not-accepted');
      const strangerRoot = r.certificateRequest!.certificateAuthorities[0]!;
      expectDiagnosis(r, 'client-ca-not-accepted', 'error', strangerRoot, '--identity other');
    });

    it('ssl_verify_client optional, a chain without its intermediate: client-chain-incomplete names the missing issuer', async () => {
      const r = await probe(await nginx(`ssl_verify_client optional; ssl_client_certificate ${JSON.stringify(ca.rootFile)};`), { ...trust(), identity: ids.leafOnly });
      expect(r.http?.status).toBe(400);
      expect(firstError(r)?.code).toBe('client-chain-incomplete');
      expectDiagnosis(r, 'client-chain-incomplete', 'error', 'Intermediate', 'keyport attach');
    });

    it('ssl_verify_client optional, --identity none: answered, client-cert-optional names the identity that would fit', async () => {
      const r = await probe(await nginx(`ssl_verify_client optional; ssl_client_certificate ${JSON.stringify(ca.rootFile)};`), { ...trust(), identity: 'none' });
      expect(r.ok).toBe(true);
      expectDiagnosis(r, 'client-cert-optional', 'info', 'Keyport Test Root CA', 'good', '--identity good');
      expect(r.diagnoses.filter((d) => d.severity === 'error')).toEqual([]);
    });

    it('ssl_verify_client optional_no_ca, a certificate from another CA: accepted, the CA mismatch is a warning', async () => {
      const r = await probe(await nginx(`ssl_verify_client optional_no_ca; ssl_client_certificate ${JSON.stringify(ca.rootFile)};`), { ...trust(), identity: ids.other });
      expect(r.ok).toBe(true);
      expectDiagnosis(r, 'client-ca-not-accepted', 'warning', 'Keyport Test Root');
      expect(r.diagnoses.filter((d) => d.severity === 'error')).toEqual([]);
    });

    it('no ssl_verify_client: no-client-cert-requested names host:port', async () => {
      const port = await nginx('');
      const r = await probe(port, { ...trust(), identity: ids.good });
      expect(r.ok).toBe(true);
      expectDiagnosis(r, 'no-client-cert-requested', 'warning', `127.0.0.1:${port}`, 'ssl_verify_client on');
    });

    it('ssl_verify_depth 0 with a two-certificate chain: client-cert-bad names the facts checked and the depth', async () => {
      const r = await probe(await nginx(`${verifyOn()} ssl_verify_depth 0;`), { ...trust(), identity: ids.good });
      expect(r.http?.status).toBe(400);
      expect(firstError(r)?.code).toBe('client-cert-bad');
      expectDiagnosis(r, 'client-cert-bad', 'error', 'The SSL certificate error', 'EKU clientAuth', 'keyUsage', 'ssl_verify_depth');
    });

    it('regression: a server trusting another CA of the same name (re-created) was only told to check depth, revocation or pinning; client-cert-bad now says the named CA may be another one', async () => {
      const twin = await createTestCa({ ec: true }); // the same names as ca, other keys
      stops.push(() => twin.stop());
      const r = await probe(await nginx(`ssl_verify_client on; ssl_client_certificate ${JSON.stringify(twin.rootFile)};`), { ...trust(), identity: ids.good });
      expect(r.http?.status).toBe(400);
      expectDiagnosis(r, 'client-cert-bad', 'error', 'The server names our CA', 'another one (re-created under the same name): compare its fingerprint');
    });

    it('return 403 on a map of $ssl_client_s_dn: access-denied names our subject and serial', async () => {
      const port = await nginx(verifyOn(), {
        http: 'map $ssl_client_s_dn $denied { default 0; "~CN=doctor-good" 1; }',
        locations: 'location / { if ($denied) { return 403; } return 200 "ok\\n"; }',
      });
      const r = await probe(port, { ...trust(), identity: ids.good });
      expect(r.http?.status).toBe(403);
      const d = expectDiagnosis(r, 'access-denied', 'error', 'CN=doctor-good', 'HTTP 403');
      expect(d.detail).toMatch(/serial [0-9a-f]+/);
    });

    it('401 with WWW-Authenticate: http-unauthorized names the scheme', async () => {
      const port = await nginx(verifyOn(), { locations: 'location / { add_header WWW-Authenticate \'Bearer realm="api"\' always; return 401; }' });
      const r = await probe(port, { ...trust(), identity: ids.good });
      expectDiagnosis(r, 'http-unauthorized', 'error', 'Bearer', 'Authorization: Bearer');
    });

    it('an expired identity: client-cert-expired names the notAfter and keyport renew', async () => {
      const r = await probe(await nginx(verifyOn()), { ...trust(), identity: ids.expired });
      expect(firstError(r)?.code).toBe('client-cert-expired');
      expectDiagnosis(r, 'client-cert-expired', 'error', new Date(Date.now() - 9 * day).toISOString().slice(0, 10), 'keyport renew expired');
    });

    it('an identity valid only from tomorrow: client-cert-not-yet-valid names the notBefore and the clock', async () => {
      const r = await probe(await nginx(verifyOn()), { ...trust(), identity: ids.future });
      expect(firstError(r)?.code).toBe('client-cert-not-yet-valid');
      expectDiagnosis(r, 'client-cert-not-yet-valid', 'error', new Date(Date.now() + day).toISOString().slice(0, 13), 'clock');
    });

    it('a certificate with EKU serverAuth only: client-cert-wrong-usage names the EKU it has', async () => {
      const r = await probe(await nginx(verifyOn()), { ...trust(), identity: ids.serverOnly });
      expect(firstError(r)?.code).toBe('client-cert-wrong-usage');
      expectDiagnosis(r, 'client-cert-wrong-usage', 'error', 'extended key usage serverAuth', 'clientAuth');
    });
  });

  describe('openssl s_server', () => {
    it.each(['-tls1_3', '-tls1_2'])('-Verify -verify_return_error %s, --identity none: client-cert-required', async (version) => {
      const port = await sServer(['-Verify', '2', '-verify_return_error', '-CAfile', ca.rootFile, version]);
      const r = await probe(port, { ...trust(), identity: 'none' });
      expect(r.ok).toBe(false);
      expect(firstError(r)?.code).toBe('client-cert-required');
      expectDiagnosis(r, 'client-cert-required', 'error', /alert (116 certificate_required|40 handshake_failure)/, '--identity good');
    });

    it('-no_ca_names with -CAfile of another CA: client-cert-unknown-ca names our issuer (alert 48)', async () => {
      const port = await sServer(['-Verify', '2', '-verify_return_error', '-CAfile', stranger.rootFile, '-no_ca_names']);
      const r = await probe(port, { ...trust(), identity: ids.good });
      expect(firstError(r)?.code).toBe('client-cert-unknown-ca');
      expectDiagnosis(r, 'client-cert-unknown-ca', 'error', 'alert 48 unknown_ca', 'Intermediate', 'ssl_client_certificate');
    });

    it('-client_sigalgs rsa_pss_rsae_sha256 with an EC key: client-key-scheme-mismatch names both sides', async () => {
      const port = await sServer(['-Verify', '2', '-verify_return_error', '-CAfile', ca.rootFile, '-client_sigalgs', 'rsa_pss_rsae_sha256']);
      const r = await probe(port, { ...trust(), identity: ids.good });
      expect(firstError(r)?.code).toBe('client-key-scheme-mismatch');
      expectDiagnosis(r, 'client-key-scheme-mismatch', 'error', 'rsa_pss_rsae_sha256', 'EC-P256', 'ecdsa_secp256r1_sha256');
    });
  });

  it('gnutls-serv requiring a certificate, --identity none: client-cert-required', async () => {
    const g = await startTlsServer('gnutls', { version: 'TLSv1.3', certFile: server.certFile, keyFile: server.keyFile, chainFile: ca.intermediateFile, clientCaFile: ca.rootFile });
    stops.push(() => g.stop());
    const r = await probe(g.port, { ...trust(), identity: 'none', http: false });
    expect(r.ok).toBe(false);
    expect(firstError(r)?.code).toBe('client-cert-required');
    expectDiagnosis(r, 'client-cert-required', 'error', '--identity good');
  });

  it('the BoringSSL server denying our CN: access-denied (alert 49) names subject and serial', async () => {
    const b = await startBoringSslServer({ version: 'TLSv1.2', certFile: server.certFile, keyFile: server.keyFile, chainFile: ca.intermediateFile, clientCaFile: ca.rootFile, denyClientCn: 'doctor-good' });
    stops.push(() => b.stop());
    const r = await probe(b.port, { ...trust(), identity: ids.good, http: false });
    expect(firstError(r)?.code).toBe('access-denied');
    expectDiagnosis(r, 'access-denied', 'error', 'alert 49 access_denied', 'CN=doctor-good', /serial [0-9a-f]+/);
  });

  it("Go's server refusing our CN (alert 42): client-cert-bad names the facts checked", async () => {
    const go = await startTlsServer('go', { version: 'TLSv1.2', certFile: server.certFile, keyFile: server.keyFile, chainFile: ca.intermediateFile, clientCaFile: ca.rootFile, denyClientCn: 'doctor-good' } as never);
    stops.push(() => go.stop());
    const r = await probe(go.port, { ...trust(), identity: ids.good, http: false });
    expect(firstError(r)?.code).toBe('client-cert-bad');
    expectDiagnosis(r, 'client-cert-bad', 'error', 'alert 42 bad_certificate', 'EKU clientAuth', 'valid (');
  });
});
