/**
 * chooseIdentity() over real certificates from two openssl CAs: it picks the identity issued under
 * the CA the server names whatever the list order, the first usable one when the server names none,
 * looks through intermediates, skips expired and not-yet-valid identities and keys that cannot sign
 * an offered scheme (RSA PKCS#1 is 1.2 only), and says in one sentence why nothing fits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseIdentity, matchingIdentities, type IdentityCandidate, type IdentityRequest } from '../../src/core/identities/select';
import { isKeyportError } from '../../src/shared/errors';
import { certFacts } from '../../src/core/pki/chain';
import { describeName } from '../../src/core/tls/messages13';
import { requireBackend } from '../testbed/backend';
import { createPki, type TestPki } from '../tls/helpers/pki';

const ECDSA_P256 = 0x0403;
const RSA_PSS = 0x0804;
const RSA_PKCS1 = 0x0401;

const missing = requireBackend('openssl').missing;

describe.skipIf(missing)('chooseIdentity', () => {
  let a: TestPki;
  let b: TestPki;
  let root: TestPki;
  let intermediate: TestPki;
  let alice: IdentityCandidate;
  let bob: IdentityCandidate;
  let bobRsa: IdentityCandidate;
  let carol: IdentityCandidate;

  beforeAll(() => {
    [a, b, root, intermediate] = ['Select CA A', 'Select CA B', 'Select Root', 'Select Intermediate'].map((n) => createPki(n)) as [TestPki, TestPki, TestPki, TestPki];
    const candidate = (id: string, pki: TestPki, kind: 'ec' | 'rsa', extra: Buffer[] = []): IdentityCandidate => ({
      id,
      label: id,
      status: 'valid',
      keyAlgorithm: kind === 'ec' ? 'EC-P256' : 'RSA-2048',
      chain: [pki.issue({ name: id, kind, usage: 'client' }).certDer, ...extra],
    });
    alice = candidate('alice', a, 'ec', [a.ca.certDer]); // chain with its root
    bob = candidate('bob', b, 'ec');
    bobRsa = candidate('bob-rsa', b, 'rsa');
    // carol <- "Select Intermediate" <- "Select Root": the chain holds the intermediate, not the root.
    const intermediateCert = root.issue({ name: 'Select Intermediate', kind: 'ec', usage: 'client' }).certDer;
    carol = candidate('carol', intermediate, 'ec', [intermediateCert]);
  });

  afterAll(() => [a, b, root, intermediate].forEach((p) => p?.cleanup()));

  const subjectOf = (der: Buffer) => certFacts(der).subject;
  const request = (cas: TestPki[], o: Partial<IdentityRequest> = {}): IdentityRequest => ({
    version: 'TLSv1.3',
    certificateAuthorityNames: cas.map((p) => subjectOf(p.ca.certDer)),
    certificateAuthorities: cas.map((p) => describeName(subjectOf(p.ca.certDer))),
    signatureSchemes: [ECDSA_P256, RSA_PSS, RSA_PKCS1],
    signatureAlgorithms: ['ecdsa_secp256r1_sha256', 'rsa_pss_rsae_sha256', 'rsa_pkcs1_sha256'],
    ...o,
  });

  it('picks the identity issued by the CA the server names, in either registry order', () => {
    expect(chooseIdentity(request([b]), [alice, bob]).id).toBe('bob');
    expect(chooseIdentity(request([b]), [bob, alice]).id).toBe('bob');
    expect(chooseIdentity(request([a]), [bob, alice]).id).toBe('alice');
    expect(matchingIdentities(request([a, b]), [bob, alice]).map((c) => c.id)).toEqual(['bob', 'alice']);
  });

  it('matches a CA named anywhere up the chain (the intermediate, or the root as its issuer)', () => {
    expect(chooseIdentity(request([root]), [alice, bob, carol]).id).toBe('carol');
    expect(chooseIdentity(request([intermediate]), [alice, bob, carol]).id).toBe('carol');
  });

  it('takes the first usable identity when the server names no CA', () => {
    expect(chooseIdentity(request([]), [bob, alice]).id).toBe('bob');
    expect(chooseIdentity(request([]), [{ ...bob, status: 'expired' }, alice]).id).toBe('alice');
  });

  it('skips expired and not-yet-valid identities, keeps expiring ones', () => {
    const cands = [{ ...bob, id: 'old', status: 'expired' as const }, { ...bob, id: 'future', status: 'not-yet-valid' as const }, { ...bob, status: 'expiring' as const }];
    expect(chooseIdentity(request([b]), cands).id).toBe('bob');
  });

  it('skips keys that cannot sign with a scheme the server accepts', () => {
    const ecOnly = { signatureSchemes: [ECDSA_P256], signatureAlgorithms: ['ecdsa_secp256r1_sha256'] };
    expect(chooseIdentity(request([b], ecOnly), [bobRsa, bob]).id).toBe('bob');
    const rsaOnly = { signatureSchemes: [RSA_PSS], signatureAlgorithms: ['rsa_pss_rsae_sha256'] };
    expect(chooseIdentity(request([b], rsaOnly), [bob, bobRsa]).id).toBe('bob-rsa');
    // PKCS#1 v1.5 signs a 1.2 CertificateVerify, never a 1.3 one.
    const pkcs1 = { signatureSchemes: [RSA_PKCS1], signatureAlgorithms: ['rsa_pkcs1_sha256'] };
    expect(chooseIdentity(request([b], { ...pkcs1, version: 'TLSv1.2' }), [bob, bobRsa]).id).toBe('bob-rsa');
    expect(matchingIdentities(request([b], pkcs1), [bob, bobRsa])).toEqual([]);
  });

  it('says why nothing fits, with a stable code', () => {
    const failure = (r: IdentityRequest, cands: IdentityCandidate[]) => {
      try {
        chooseIdentity(r, cands);
      } catch (e) {
        if (isKeyportError(e, 'KEYPORT_NO_MATCHING_IDENTITY')) return e.message;
        throw e;
      }
      throw new Error('chooseIdentity chose where nothing fits');
    };
    expect(failure(request([root]), [alice, bob])).toBe('No identity is issued by a CA the server asks for (CN=Select Root); import one issued by it.');
    expect(failure(request([b], { signatureSchemes: [RSA_PKCS1], signatureAlgorithms: ['rsa_pkcs1_sha256'] }), [bob, bobRsa])).toMatch(
      /^No identity issued by a CA the server asks for \(CN=Select CA B\) has a key that can sign with a scheme it accepts \(rsa_pkcs1_sha256\); use one with another key type\.$/,
    );
    expect(failure(request([], { signatureSchemes: [RSA_PSS], signatureAlgorithms: ['rsa_pss_rsae_sha256'] }), [alice])).toMatch(/^No valid identity has a key that can sign/);
    expect(failure(request([b]), [{ ...bob, status: 'expired' }])).toBe('No valid identity to offer the server; import or enroll one first.');
  });
});
