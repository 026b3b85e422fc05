/**
 * A client identity on a test-bed token for the TLS benches: an EC P-256 key generated on the token
 * through the token host, its CSR signed by the test CA. The signer counts its signatures, so a
 * bench can prove that a resumed handshake signed nothing.
 */
import { Pkcs11KeyStore } from '../../src/core/keystores/pkcs11';
import type { SignatureScheme, Signer } from '../../src/core/keystores/types';
import { createCsr } from '../../src/core/pki/csr';
import { readCertificates } from '../../src/core/pki/pem';
import { TokenHostClient } from '../../src/core/tokenhost/client';
import type { TestCa } from '../../test/testbed/ca';
import type { SoftHsm } from '../../test/testbed/softhsm';

/** What a bench needs of a test-bed token (SoftHSM2 or TPM). */
export type TokenBackend = Pick<SoftHsm, 'module' | 'tokenLabel' | 'pin' | 'env'>;

/** A Signer that counts its signatures. */
export interface CountingSigner extends Signer {
  readonly calls: number;
}

/** A token key with its issued chain. */
export interface TokenIdentity {
  signer: CountingSigner;
  /** Leaf then intermediate, DER: what the client sends. */
  chain: Buffer[];
  /** The same chain, PEM. */
  chainPem: string;
  /** CKA_ID of the private key, hex. */
  keyId: string;
  /** The token host that signs; close it when done. */
  host: TokenHostClient;
}

/** Generates a key on `token` through a new token host and has `ca` issue its certificate. */
export async function makeTokenIdentity(token: TokenBackend, ca: TestCa, cn: string): Promise<TokenIdentity> {
  const host = new TokenHostClient({ env: { ...process.env, ...token.env } });
  try {
    const store = new Pkcs11KeyStore({ host, modules: [token.module], pin: async () => token.pin });
    const key = await store.generate('EC-P256', { label: cn, token: token.tokenLabel });
    if (key.ref.kind !== 'pkcs11') throw new Error(`${cn}: the key store returned a ${key.ref.kind} key`);
    const signer = counting(await store.signer(key.ref));
    const chainPem = await ca.signCsr(await createCsr({ subject: `CN=${cn}`, signer }), { eku: ['clientAuth'] });
    const chain = readCertificates(Buffer.from(chainPem), 'the issued chain');
    return { signer, chain, chainPem, keyId: key.ref.keyId, host };
  } catch (e) {
    await host.close();
    throw e;
  }
}

function counting(inner: Signer): CountingSigner {
  let calls = 0;
  return {
    algorithm: inner.algorithm,
    publicKeySpki: inner.publicKeySpki,
    schemes: inner.schemes,
    get calls() {
      return calls;
    },
    sign(scheme: SignatureScheme, data: Buffer) {
      calls += 1;
      return inner.sign(scheme, data);
    },
  };
}
