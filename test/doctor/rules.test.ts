/**
 * diagnose() on recorded facts, for causes that no real server on this machine can produce:
 * - a ServerHello choosing TLS 1.0 (our ClientHello offers only 1.2 and 1.3, so a conforming server never does;
 *   real servers answer alert 70 instead, tested in transport.test.ts);
 * - alert 45 certificate_expired for a certificate that is valid here (the server's clock is ahead:
 *   we cannot move a real server's clock);
 * - a locked PIN (locking a SoftHSM token's user PIN takes many wrong logins and leaves nothing to learn);
 * - a removed token (the vsmartcard reader in the test bed has no signing card; see DESIGN.md);
 * - a timeout while the token signs (needs a token that waits for a touch);
 * - `auto` finding identities issued by the named CA whose keys cannot sign for it;
 * - nothing fitting at all (unexplained), and the ordering and ok=true rules themselves.
 * The facts are shaped as collectFacts() writes them (see a real run's facts in client-cert.test.ts' servers).
 */
import { describe, expect, it } from 'vitest';
import { diagnose, type ProbeFacts } from '../../src/core/probe';
import { DiagnosisCatalogue, DiagnosisCodes } from '../../src/shared/diagnoses';

const NOW = '2026-06-01T12:00:00.000Z';

const leaf = {
  subject: 'CN=alice',
  issuer: 'CN=Corp Intermediate CA',
  serial: '1a2b',
  notBefore: '2026-01-01T00:00:00.000Z',
  notAfter: '2027-01-01T00:00:00.000Z',
  isCa: false,
  selfIssued: false,
  eku: ['clientAuth'],
  keyUsage: ['digitalSignature'],
};
const intermediate = { ...leaf, subject: 'CN=Corp Intermediate CA', issuer: 'CN=Corp Root CA', isCa: true, eku: null, keyUsage: ['keyCertSign'] };

function facts(over: Partial<ProbeFacts> = {}): ProbeFacts {
  return {
    now: NOW,
    host: 'api.internal',
    port: 8443,
    identityMode: 'fixed',
    identity: {
      id: 'k1',
      label: 'alice',
      keyAlgorithm: 'EC-P256',
      store: { kind: 'pkcs11', module: '/usr/lib/softhsm/libsofthsm2.so', token: 'ci' },
      chain: [leaf, intermediate],
      schemes: ['ecdsa_secp256r1_sha256'],
    },
    suggestions: [],
    namedIdentities: [],
    usableIdentities: 1,
    steps: [],
    alertsReceived: [],
    serverHelloReceived: true,
    request: { method: 'GET', path: '/', http: true },
    allowTls12WithoutEms: false,
    caFiles: [],
    ...over,
  };
}

const handshakeFailure = (code: string, message: string): Partial<ProbeFacts> => ({
  failure: { step: 'handshake', code, message },
  steps: [
    { step: 'dns', ok: true, ms: 0 },
    { step: 'tcp', ok: true, ms: 1 },
    { step: 'handshake', ok: false, ms: 5, error: { code, message } },
  ],
});

describe('diagnose() on recorded facts', () => {
  it('every catalogue code has a title and a usual severity, and codes are unique', () => {
    expect(new Set(DiagnosisCodes).size).toBe(DiagnosisCodes.length);
    for (const code of DiagnosisCodes) expect(DiagnosisCatalogue[code].title).toMatch(/^[A-Z]/);
  });

  it('no-common-version: a ServerHello choosing TLS 1.0 names what the server speaks', () => {
    // 16 03 01 len | 02 len(3) | 03 01 (TLS 1.0) | random...: as a TLS 1.0-only server would answer.
    const hello = Buffer.concat([Buffer.from('160301002a020000260301', 'hex'), Buffer.alloc(32), Buffer.from('00c01300', 'hex')]);
    const d = diagnose(facts({ ...handshakeFailure('KEYPORT_TLS_HANDSHAKE_FAILURE', 'The server only speaks a TLS version older than 1.2; Keyport needs TLS 1.2 or 1.3.'), serverHello: { version: 'TLSv1', extensions: [] }, firstBytesHex: hello.toString('hex') }));
    expect(d[0]).toMatchObject({ code: 'no-common-version', severity: 'error' });
    expect(d[0]!.detail).toContain('TLSv1');
  });

  it('client-cert-expired from alert 45 for a certificate valid here: says to check the clocks', () => {
    const d = diagnose(facts({ ...handshakeFailure('KEYPORT_TLS_CLIENT_CERT_REJECTED', 'The server says the client certificate has expired'), alertsReceived: [45], certificateSent: 'chain' }));
    expect(d[0]).toMatchObject({ code: 'client-cert-expired', severity: 'error' });
    expect(`${d[0]!.detail} ${d[0]!.fix}`).toMatch(/2027-01-01.*clock.*keyport renew k1/s);
  });

  it('pin-incorrect for a locked PIN names the token and the SO PIN', () => {
    const d = diagnose(facts(handshakeFailure('KEYPORT_PIN_LOCKED', 'Token "ci" has locked its user PIN.')));
    expect(d[0]).toMatchObject({ code: 'pin-incorrect', severity: 'error' });
    expect(d[0]!.detail).toContain('token "ci"');
    expect(d[0]!.fix).toContain('SO PIN');
  });

  it('token-unavailable for a removed token names the token and says to plug it in', () => {
    const d = diagnose(facts(handshakeFailure('KEYPORT_TOKEN_REMOVED', 'Token "ci" was removed.')));
    expect(d[0]).toMatchObject({ code: 'token-unavailable', severity: 'error' });
    expect(`${d[0]!.detail} ${d[0]!.fix}`).toMatch(/token "ci".*Plug the token in/s);
  });

  it('timeout while the key signs points at the token, not the network', () => {
    const d = diagnose(facts(handshakeFailure('KEYPORT_TLS_TIMEOUT', 'The TLS handshake timed out after 15000 ms waiting for the key to sign CertificateVerify (ecdsa_secp256r1_sha256)')));
    expect(d[0]).toMatchObject({ code: 'timeout', severity: 'error' });
    expect(d[0]!.detail).toContain('handshake step');
    expect(d[0]!.fix).toMatch(/PIN or a touch/);
  });

  it('auto: identities issued by the named CA whose keys cannot sign for it give client-key-scheme-mismatch', () => {
    const d = diagnose(
      facts({
        ...handshakeFailure('KEYPORT_NO_MATCHING_IDENTITY', 'No identity issued by a CA the server asks for (CN=Corp Root CA) has a key that can sign with a scheme it accepts'),
        identityMode: 'auto',
        identity: undefined,
        namedIdentities: [{ id: 'k1', label: 'alice' }],
        certificateRequest: { version: 'TLSv1.3', certificateAuthorities: ['CN=Corp Root CA'], signatureAlgorithms: ['rsa_pss_rsae_sha256'] },
      }),
    );
    expect(d[0]).toMatchObject({ code: 'client-key-scheme-mismatch', severity: 'error' });
    expect(d[0]!.detail).toMatch(/rsa_pss_rsae_sha256.*k1/);
  });

  it('auto with no valid identity at all: client-cert-required says how to get one', () => {
    const d = diagnose(
      facts({
        ...handshakeFailure('KEYPORT_NO_MATCHING_IDENTITY', 'No valid identity to offer the server; import or enroll one first.'),
        identityMode: 'auto',
        identity: undefined,
        usableIdentities: 0,
        certificateRequest: { version: 'TLSv1.3', certificateAuthorities: ['CN=Corp Root CA'], signatureAlgorithms: ['ecdsa_secp256r1_sha256'] },
      }),
    );
    expect(d[0]).toMatchObject({ code: 'client-cert-required', severity: 'error' });
    expect(`${d[0]!.detail} ${d[0]!.fix}`).toMatch(/no valid identity.*CN=Corp Root CA.*keyport keygen/s);
  });

  it('client-chain-incomplete is diagnosed even when the server never asks (a warning), naming the missing issuer', () => {
    const d = diagnose(
      facts({
        steps: [{ step: 'handshake', ok: true, ms: 3 }],
        negotiated: { version: 'TLSv1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256', group: 'X25519', resumed: false, clientCertificateSent: false },
        http: { status: 200, statusText: 'OK', headers: {}, bodyPreview: '' },
        identity: { ...facts().identity!, chain: [leaf] },
      }),
    );
    expect(d.map((x) => [x.code, x.severity])).toEqual([
      ['client-chain-incomplete', 'warning'],
      ['no-client-cert-requested', 'warning'],
    ]);
    expect(d[0]!.detail).toContain('"CN=Corp Intermediate CA" is not in it');
  });

  it('client-cert-required from Go on TLS 1.2 (alert 42 after our empty Certificate)', () => {
    const d = diagnose(
      facts({
        ...handshakeFailure('KEYPORT_TLS_CLIENT_CERT_REJECTED', 'The server rejected the client certificate (alert 42 bad_certificate)'),
        identityMode: 'none',
        identity: undefined,
        alertsReceived: [42],
        certificateSent: 'empty',
        suggestions: [{ id: 'k1', label: 'alice' }],
        certificateRequest: { version: 'TLSv1.2', certificateAuthorities: ['CN=Corp Root CA'], signatureAlgorithms: ['ecdsa_secp256r1_sha256'] },
      }),
    );
    expect(d[0]).toMatchObject({ code: 'client-cert-required', severity: 'error' });
    expect(d[0]!.detail).toContain('alice (k1)');
    expect(d[0]!.fix).toContain('--identity k1');
  });

  it('unexplained when no rule fits: shows the raw step, code and alerts, never a stack', () => {
    const d = diagnose(facts({ ...handshakeFailure('KEYPORT_TLS_PROTOCOL', 'The server sent a malformed alert.'), alertsReceived: [80], certificateSent: 'chain' }));
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ code: 'unexplained', severity: 'error' });
    expect(d[0]!.detail).toMatch(/handshake step failed: The server sent a malformed alert\. \[KEYPORT_TLS_PROTOCOL\]\. Alerts received: alert 80/);
    expect(d[0]!.detail).not.toMatch(/\bat \S+:\d+/);
  });

  it('errors first, then warnings, then info; a passed test has no error (a local finding becomes a warning)', () => {
    const ok = facts({
      steps: [{ step: 'handshake', ok: true, ms: 3 }],
      negotiated: { version: 'TLSv1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256', group: 'X25519', resumed: false, clientCertificateSent: true },
      certificateRequest: { version: 'TLSv1.3', certificateAuthorities: [], signatureAlgorithms: ['ecdsa_secp256r1_sha256'] },
      http: { status: 200, statusText: 'OK', headers: { date: new Date(Date.parse(NOW) + 3_600_000).toUTCString() }, bodyPreview: '' },
      identity: { ...facts().identity!, chain: [{ ...leaf, eku: ['serverAuth'] }, intermediate] },
    });
    const d = diagnose(ok);
    expect(d.map((x) => x.severity)).toEqual(['warning', 'warning']);
    expect(d.map((x) => x.code).sort()).toEqual(['client-cert-wrong-usage', 'clock-skew']);
    const failed = diagnose({ ...ok, http: { ...ok.http!, status: 500, statusText: 'Internal Server Error' } });
    expect(failed.map((x) => x.severity)).toEqual(['error', 'error', 'warning']);
    expect(failed.at(-1)!.code).toBe('clock-skew');
  });
});
