/**
 * The PKCS#11 key store checked against a real token (SoftHSM2 or a TPM through tpm2-pkcs11):
 * every key type and scheme verified with node:crypto, key attributes read back, import,
 * certificates, deletion, PIN errors.
 */
import { constants, createPublicKey, generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isKeyportError } from '../../src/shared/errors';
import { Pkcs11KeyStore, type PinSource } from '../../src/core/keystores/pkcs11';
import type { KeyAlgorithm, KeyRef, SignatureScheme } from '../../src/core/keystores/types';
import { TokenHostClient } from '../../src/core/tokenhost/client';
import type { SoftHsm } from '../testbed/softhsm';
import { issueCertificate } from './certs';

const HASH_LENGTH = { sha256: 32, sha384: 48, sha512: 64 } as const;

/** True when `signature` over `data` verifies with `scheme` under the SPKI. */
export function verifies(spki: Buffer, scheme: SignatureScheme, data: Buffer, signature: Buffer): boolean {
  const key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  const hash = scheme.slice(-6) as keyof typeof HASH_LENGTH;
  const options: KeyObject | { key: KeyObject; padding: number; saltLength?: number } = scheme.startsWith('rsa_pss')
    ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: HASH_LENGTH[hash] }
    : scheme.startsWith('rsa_pkcs1')
      ? { key, padding: constants.RSA_PKCS1_PADDING }
      : key;
  return verify(hash, data, options, signature);
}

const EXPECTED_SCHEMES: Record<KeyAlgorithm, SignatureScheme[]> = {
  'EC-P256': ['ecdsa_secp256r1_sha256'],
  'EC-P384': ['ecdsa_secp384r1_sha384'],
  'RSA-2048': ['rsa_pss_rsae_sha256', 'rsa_pss_rsae_sha384', 'rsa_pss_rsae_sha512', 'rsa_pkcs1_sha256', 'rsa_pkcs1_sha384', 'rsa_pkcs1_sha512'],
  'RSA-3072': ['rsa_pss_rsae_sha256', 'rsa_pss_rsae_sha384', 'rsa_pss_rsae_sha512', 'rsa_pkcs1_sha256', 'rsa_pkcs1_sha384', 'rsa_pkcs1_sha512'],
};

/** What the suite needs of a token from test/testbed (SoftHSM2 or TPM). */
export type TestToken = Pick<SoftHsm, 'module' | 'tokenLabel' | 'pin' | 'env' | 'stop'>;

export interface SuiteOptions {
  name: string;
  /** Starts a fresh token for this test file. */
  start: () => Promise<TestToken>;
  algorithms: KeyAlgorithm[];
  /** False for tokens whose module refuses private key material (tpm2-pkcs11). */
  canImport: boolean;
  /** From requireBackend: true when the backend is absent (the suite is then skipped; CI fails earlier). */
  missing: boolean;
}

/** Registers the suite for one backend. */
export function tokenSuite({ name, start, algorithms, canImport, missing }: SuiteOptions): void {
  describe.skipIf(missing)(`PKCS#11 key store on ${name}`, () => {
    let tok: TestToken;
    let host: TokenHostClient;
    let store: Pkcs11KeyStore;
    let pinAsked = 0;
    const pin: PinSource = async () => {
      pinAsked++;
      return tok.pin;
    };

    beforeAll(async () => {
      tok = await start();
      host = new TokenHostClient({ env: { ...process.env, ...tok.env } });
      store = new Pkcs11KeyStore({ host, modules: [tok.module], pin });
    });
    afterAll(async () => {
      await host?.close();
      await tok?.stop();
    });

    it('lists the token with its flags, logged out until a key operation asks for the PIN', async () => {
      const [mod] = await store.listTokens();
      const token = mod?.slots.find((s) => s.token?.label === tok.tokenLabel)?.token;
      expect(mod?.error).toBeUndefined();
      expect(token?.flags.loginRequired).toBe(true);
      expect(token?.flags.userPinLocked).toBe(false);
      expect(token?.loggedIn).toBe(false);
    });

    it('rejects a wrong PIN with KEYPORT_PIN_INCORRECT and leaves the token as it was', async () => {
      const before = await host.call('findObjects', { module: tok.module, token: tok.tokenLabel });
      const err = await host.call('login', { module: tok.module, token: tok.tokenLabel, pin: '000000' }).catch((e: unknown) => e);
      expect(isKeyportError(err, 'KEYPORT_PIN_INCORRECT')).toBe(true);
      expect((err as Error).message).toMatch(new RegExp(`^Cannot log in to token "${tok.tokenLabel}": wrong PIN`));
      expect(await host.call('findObjects', { module: tok.module, token: tok.tokenLabel })).toEqual(before);
      const [mod] = await store.listTokens();
      expect(mod?.slots.find((s) => s.token?.label === tok.tokenLabel)?.token?.loggedIn).toBe(false);
    });

    for (const algorithm of algorithms) {
      it(`generates ${algorithm} on the token and every scheme it offers verifies with node:crypto`, async () => {
        const key = await store.generate(algorithm, { label: `gen ${algorithm}`, token: tok.tokenLabel });
        expect(key.algorithm).toBe(algorithm);
        const signer = await store.signer(key.ref);
        expect(signer.publicKeySpki.equals(key.publicKeySpki)).toBe(true);
        expect(signer.schemes).toEqual(EXPECTED_SCHEMES[algorithm]);
        for (const scheme of signer.schemes) {
          const data = Buffer.from(`message for ${scheme} ${Math.random()}`);
          const signature = await signer.sign(scheme, data);
          expect(verifies(key.publicKeySpki, scheme, data, signature), scheme).toBe(true);
          expect(verifies(key.publicKeySpki, scheme, Buffer.concat([data, Buffer.from('!')]), signature), `${scheme} on other data`).toBe(false);
        }
      });
    }

    it('asked for the PIN once, lazily, and the token now shows as logged in', async () => {
      expect(pinAsked).toBe(1);
      const [mod] = await store.listTokens();
      expect(mod?.slots.find((s) => s.token?.label === tok.tokenLabel)?.token?.loggedIn).toBe(true);
    });

    it('keeps generated private keys on the token: sensitive, never extractable, private, sign-only', async () => {
      const key = await store.generate('EC-P256', { label: 'attrs', token: tok.tokenLabel });
      const group = (await store.findObjects(tok.tokenLabel)).find((g) => g.keyId === refId(key.ref));
      expect(group?.privateKey?.flags).toMatchObject({
        token: true,
        private: true,
        sensitive: true,
        extractable: false,
        alwaysSensitive: true,
        neverExtractable: true,
        sign: true,
      });
      expect(Buffer.from(group?.publicKeySpki ?? []).equals(key.publicKeySpki)).toBe(true);
    });

    for (const type of canImport ? (['ec', 'rsa'] as const) : []) {
      it(`imports a ${type.toUpperCase()} PKCS#8 key as sensitive and non-extractable, and it signs for the original public key`, async () => {
        const pair = type === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
        const spki = pair.publicKey.export({ type: 'spki', format: 'der' });
        const pkcs8 = pair.privateKey.export({ type: 'pkcs8', format: 'der' });
        const key = await store.importPrivateKey(pkcs8, { label: `imported ${type}`, token: tok.tokenLabel });
        expect(key.publicKeySpki.equals(spki)).toBe(true);
        const group = (await store.findObjects(tok.tokenLabel)).find((g) => g.keyId === refId(key.ref));
        expect(group?.privateKey?.flags).toMatchObject({ sensitive: true, extractable: false, private: true, token: true });
        const signer = await store.signer(key.ref);
        const scheme = signer.schemes[0]!;
        const data = Buffer.from('imported key signs');
        expect(verifies(spki, scheme, data, await signer.sign(scheme, data))).toBe(true);
      });
    }

    if (!canImport) it('refuses to import a PKCS#8 key with KEYPORT_MECHANISM_UNSUPPORTED and stores nothing', async () => {
      const before = await store.findObjects(tok.tokenLabel);
      const pkcs8 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'der' });
      const err = await store.importPrivateKey(pkcs8, { label: 'refused', token: tok.tokenLabel }).catch((e: unknown) => e);
      expect(isKeyportError(err, 'KEYPORT_MECHANISM_UNSUPPORTED')).toBe(true);
      expect((err as Error).message).toMatch(/cannot import private keys.*generate the key on the token/);
      expect(await store.findObjects(tok.tokenLabel)).toEqual(before);
    });

    it('writes the certificate beside its key and finds it again by CKA_ID; a foreign certificate is refused', async () => {
      const key = await store.generate('EC-P256', { label: 'with cert', token: tok.tokenLabel });
      const der = await issueCertificate(key.publicKeySpki, 'token identity');
      await store.writeCertificate(key.ref, der, 'with cert');
      await store.writeCertificate(key.ref, der, 'with cert');
      const group = (await store.findObjects(tok.tokenLabel)).find((g) => g.keyId === refId(key.ref));
      expect(group?.certificates.map((c) => Buffer.from(c.der))).toEqual([der]);
      expect(group?.certificates[0]?.label).toBe('with cert');

      const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' });
      const foreign = await issueCertificate(other, 'someone else');
      const err = await store.writeCertificate(key.ref, foreign, 'foreign').catch((e: unknown) => e);
      expect(isKeyportError(err, 'KEYPORT_KEY_MISMATCH')).toBe(true);
    });

    it('deletes private key, public key and certificate of a key, and deleting again is not an error', async () => {
      const key = await store.generate('EC-P256', { label: 'to delete', token: tok.tokenLabel });
      await store.writeCertificate(key.ref, await issueCertificate(key.publicKeySpki, 'to delete'), 'to delete');
      const id = refId(key.ref);
      const before = (await store.findObjects(tok.tokenLabel)).find((g) => g.keyId === id);
      expect(before?.privateKey && before.publicKeySpki && before.certificates.length).toBe(1);
      const deleted = await host.call('deleteKey', { module: tok.module, token: tok.tokenLabel, keyId: id });
      expect(deleted.deleted).toBe(3);
      expect((await store.findObjects(tok.tokenLabel)).find((g) => g.keyId === id)).toBeUndefined();
      await store.delete(key.ref);
      const err = await store.signer(key.ref).catch((e: unknown) => e);
      expect(isKeyportError(err, 'KEYPORT_KEY_NOT_ON_TOKEN')).toBe(true);
    });

    it('finds certificates without asking for a PIN, and private keys too once asked to log in', async () => {
      const key = await store.generate('EC-P256', { label: 'found later', token: tok.tokenLabel });
      await store.writeCertificate(key.ref, await issueCertificate(key.publicKeySpki, 'found later'), 'found later');
      const freshHost = new TokenHostClient({ env: { ...process.env, ...tok.env } });
      try {
        let asked = 0;
        const fresh = new Pkcs11KeyStore({ host: freshHost, modules: [tok.module], pin: async () => (asked++, tok.pin) });
        const publicOnly = (await fresh.findObjects()).find((g) => g.keyId === refId(key.ref));
        expect(publicOnly?.certificates).toHaveLength(1);
        expect(publicOnly?.token).toBe(tok.tokenLabel);
        expect(publicOnly?.privateKey).toBeUndefined();
        expect(asked).toBe(0);
        const withKeys = (await fresh.findObjects(tok.tokenLabel, { login: true })).find((g) => g.keyId === refId(key.ref));
        expect(withKeys?.privateKey?.algorithm).toBe('EC-P256');
        expect(asked).toBe(1);
      } finally {
        await freshHost.close();
      }
    });

    it('names an unknown token label with KEYPORT_TOKEN_NOT_FOUND', async () => {
      const err = await store.generate('EC-P256', { label: 'x', token: 'no such token' }).catch((e: unknown) => e);
      expect(isKeyportError(err, 'KEYPORT_TOKEN_NOT_FOUND')).toBe(true);
      expect((err as Error).message).toContain('"no such token"');
      const ref: KeyRef = { kind: 'pkcs11', module: tok.module, token: 'no such token', keyId: '01' };
      expect(isKeyportError(await store.signer(ref).catch((e: unknown) => e), 'KEYPORT_TOKEN_NOT_FOUND')).toBe(true);
    });
  });
}

function refId(ref: KeyRef): string {
  return ref.kind === 'pkcs11' ? ref.keyId : '';
}
