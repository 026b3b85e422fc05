/**
 * The hand-written JWS of the ACME client, checked against node:crypto's own verification: ECDSA
 * DER → raw r‖s (RFC 7518 §3.4) including short r/s, the protected header (alg, nonce, url, and
 * exactly one of kid/jwk), POST-as-GET's empty payload, RFC 7638 thumbprints and the HS256 EAB.
 */
import { createHash, createHmac, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseMacKey } from '../../src/core/enroll/acme/account';
import { retryAfterMs } from '../../src/core/enroll/acme/client';
import { accountKey, derToRaw, externalAccountBinding, jwkThumbprint, publicJwk, signJws, type FlattenedJws } from '../../src/core/enroll/acme/jws';
import { memorySigner } from '../../src/core/keystores/memory-signer';
import type { Signer } from '../../src/core/keystores/types';
import { isKeyportError } from '../../src/shared/errors';

const decode = (b64: string) => JSON.parse(Buffer.from(b64, 'base64url').toString('utf8'));
const signingInput = (jws: FlattenedJws) => Buffer.from(`${jws.protected}.${jws.payload}`, 'ascii');

function ecKey(curve: 'P-256' | 'P-384'): KeyObject {
  return generateKeyPairSync('ec', { namedCurve: curve }).privateKey;
}

/** Verifies a JWS the way a JOSE library does: alg from the header, key from the given public key. */
function verifies(jws: FlattenedJws, publicKey: KeyObject): boolean {
  const { alg } = decode(jws.protected) as { alg: string };
  const sig = Buffer.from(jws.signature, 'base64url');
  const hash = { ES256: 'sha256', ES384: 'sha384', RS256: 'sha256' }[alg];
  if (!hash) throw new Error(`unexpected alg ${alg}`);
  return verify(hash, signingInput(jws), alg.startsWith('ES') ? { key: publicKey, dsaEncoding: 'ieee-p1363' } : publicKey, sig);
}

describe('ECDSA DER to JWS r‖s', () => {
  it.each([
    ['P-256', 32, 'sha256'],
    ['P-384', 48, 'sha384'],
  ] as const)('%s: every signature verifies as ieee-p1363, short r and s included', (curve, size, hash) => {
    const key = ecKey(curve);
    const pub = createPublicKey(key);
    let short = 0;
    // ~1/64 of signatures have an r or s with a leading zero byte: run until two such were checked.
    for (let i = 0; i < 100 || (short < 2 && i < 5000); i++) {
      const data = Buffer.from(`message ${i}`);
      const der = sign(hash, data, key);
      const raw = derToRaw(der, size);
      expect(raw).toHaveLength(2 * size);
      if (raw[0] === 0 || raw[size] === 0) short++;
      expect(verify(hash, data, { key: pub, dsaEncoding: 'ieee-p1363' }, raw)).toBe(true);
      expect(raw.equals(sign(hash, data, { key, dsaEncoding: 'ieee-p1363' }))).toBe(false); // ECDSA is randomized
    }
    expect(short, 'signatures with a leading zero byte were exercised').toBeGreaterThan(0);
  });

  it('pads a minimal r and s to the full width', () => {
    // SEQUENCE { INTEGER 1, INTEGER 0x80 (needs a sign byte) }
    const der = Buffer.from('3007020101020200 80'.replace(/ /g, ''), 'hex');
    const raw = derToRaw(der, 32);
    expect(raw.subarray(0, 32).equals(Buffer.concat([Buffer.alloc(31), Buffer.from([1])]))).toBe(true);
    expect(raw.subarray(32).equals(Buffer.concat([Buffer.alloc(31), Buffer.from([0x80])]))).toBe(true);
  });

  it.each([
    ['not DER', Buffer.from('not a signature')],
    ['trailing bytes', Buffer.concat([sign('sha256', Buffer.from('x'), ecKey('P-256')), Buffer.from([0])])],
    ['an r wider than the curve (33 significant bytes)', Buffer.from(`302602 21 ${'7f'.repeat(33)} 020101`.replace(/ /g, ''), 'hex')],
  ])('refuses %s with KEYPORT_SIGN_FAILED', (_what, der) => {
    expect(() => derToRaw(der, 32)).toThrow(expect.objectContaining({ code: 'KEYPORT_SIGN_FAILED' }));
  });
});

describe('signJws', () => {
  const keys: Array<[string, KeyObject]> = [
    ['EC-P256', ecKey('P-256')],
    ['EC-P384', ecKey('P-384')],
    ['RSA-2048', generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey],
  ];

  it.each(keys)('%s with jwk: verifies, header has alg/nonce/url/jwk and no kid', async (_name, key) => {
    const account = accountKey(memorySigner(key));
    const jws = await signJws(account, { url: 'https://ca.test/new-acct', nonce: 'n0nce', payload: { termsOfServiceAgreed: true }, identity: { jwk: account.jwk } });
    expect(Object.keys(jws).sort()).toEqual(['payload', 'protected', 'signature']);
    const header = decode(jws.protected);
    expect(header).toEqual({ alg: { 'EC-P256': 'ES256', 'EC-P384': 'ES384', 'RSA-2048': 'RS256' }[_name], nonce: 'n0nce', url: 'https://ca.test/new-acct', jwk: account.jwk });
    // The JWK in the header is this key: node imports it to the same SPKI.
    const fromJwk = createPublicKey({ key: header.jwk, format: 'jwk' });
    expect(fromJwk.export({ format: 'der', type: 'spki' }).equals(createPublicKey(key).export({ format: 'der', type: 'spki' }))).toBe(true);
    expect(decode(jws.payload)).toEqual({ termsOfServiceAgreed: true });
    expect(verifies(jws, fromJwk)).toBe(true);
  });

  it('with kid: the header carries the account URL and no jwk', async () => {
    const key = ecKey('P-256');
    const jws = await signJws(accountKey(memorySigner(key)), { url: 'https://ca.test/order/1', nonce: 'n2', payload: { a: 1 }, identity: { kid: 'https://ca.test/acct/7' } });
    expect(decode(jws.protected)).toEqual({ alg: 'ES256', nonce: 'n2', url: 'https://ca.test/order/1', kid: 'https://ca.test/acct/7' });
    expect(verifies(jws, createPublicKey(key))).toBe(true);
  });

  it('POST-as-GET has an empty payload, signed as "protected."', async () => {
    const key = ecKey('P-256');
    const jws = await signJws(accountKey(memorySigner(key)), { url: 'https://ca.test/authz/1', nonce: 'n3', payload: undefined, identity: { kid: 'k' } });
    expect(jws.payload).toBe('');
    expect(verifies(jws, createPublicKey(key))).toBe(true);
    const tampered = { ...jws, payload: Buffer.from('{}').toString('base64url') };
    expect(verifies(tampered, createPublicKey(key))).toBe(false);
  });

  it('asks a DER-signing store for the right scheme and converts its answer', async () => {
    const key = ecKey('P-384');
    const inner = memorySigner(key);
    const asked: string[] = [];
    // A signer shaped like a token's (DER out), recording what it is asked for.
    const tokenLike: Signer = { ...inner, sign: async (scheme, data) => (asked.push(scheme), inner.sign(scheme, data)) };
    const jws = await signJws(accountKey(tokenLike), { url: 'https://ca.test/x', nonce: 'n', payload: {}, identity: { kid: 'k' } });
    expect(asked).toEqual(['ecdsa_secp384r1_sha384']);
    expect(Buffer.from(jws.signature, 'base64url')).toHaveLength(96);
    expect(verifies(jws, createPublicKey(key))).toBe(true);
  });

  it('refuses a key kind ACME cannot use', () => {
    const ed = memorySigner(generateKeyPairSync('ed25519').privateKey);
    expect(() => accountKey(ed)).toThrow(expect.objectContaining({ code: 'KEYPORT_KEY_UNSUPPORTED' }));
  });
});

describe('JWK thumbprint and EAB', () => {
  it('matches RFC 7638 §3.1', () => {
    const n =
      '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw';
    expect(jwkThumbprint({ kty: 'RSA', n, e: 'AQAB' })).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });

  it('an EC thumbprint hashes crv, kty, x, y in that order', () => {
    const jwk = publicJwk(createPublicKey(ecKey('P-256')).export({ format: 'der', type: 'spki' }));
    const canonical = `{"crv":"P-256","kty":"EC","x":"${(jwk as { x: string }).x}","y":"${(jwk as { y: string }).y}"}`;
    expect(jwkThumbprint(jwk)).toBe(createHash('sha256').update(canonical).digest('base64url'));
  });

  it('binds the account JWK with HS256 under the MAC key, for the newAccount URL', () => {
    const jwk = publicJwk(createPublicKey(ecKey('P-256')).export({ format: 'der', type: 'spki' }));
    const macKey = Buffer.from('zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W', 'base64url');
    const eab = externalAccountBinding({ kid: 'kid-1', macKey, url: 'https://ca.test/new-acct', jwk });
    expect(decode(eab.protected)).toEqual({ alg: 'HS256', kid: 'kid-1', url: 'https://ca.test/new-acct' });
    expect(decode(eab.payload)).toEqual(jwk);
    const mac = createHmac('sha256', macKey).update(signingInput(eab)).digest('base64url');
    expect(eab.signature).toBe(mac);
  });

  it('reads a base64url MAC key and refuses anything else in one sentence', () => {
    expect(parseMacKey('  YWJj\n', 'f')).toEqual(Buffer.from('abc'));
    for (const bad of ['', 'not base64!', 'a b']) {
      try {
        parseMacKey(bad, 'mac.txt');
        expect.unreachable();
      } catch (e) {
        expect(isKeyportError(e, 'KEYPORT_INVALID_ARGUMENT')).toBe(true);
        expect((e as Error).message).toBe('Cannot read the EAB MAC key in mac.txt: it must be the base64url key your CA gave you, on one line.');
      }
    }
  });

  it('reads Retry-After as seconds or a date, capped at 10 s', () => {
    const at = (v: string) => retryAfterMs({ status: 429, headers: { 'retry-after': v }, body: Buffer.alloc(0) }, Date.parse('2030-01-01T00:00:00Z'));
    expect(at('3')).toBe(3000);
    expect(at('3600')).toBe(10_000);
    expect(at('Tue, 01 Jan 2030 00:00:02 GMT')).toBe(2000);
    expect(at('soon')).toBeUndefined();
  });
});
