import { constants, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { KeyportError } from '../../shared/errors';
import { keyAlgorithmName, spkiOf } from '../pki/key-algorithm';
import type { KeyAlgorithm, Signer, SignatureScheme } from './types';

/** How each scheme maps onto node:crypto. */
const SCHEME_PARAMS: Record<SignatureScheme, { hash: string | null; pss: boolean; keyType: string }> = {
  ecdsa_secp256r1_sha256: { hash: 'sha256', pss: false, keyType: 'EC-P256' },
  ecdsa_secp384r1_sha384: { hash: 'sha384', pss: false, keyType: 'EC-P384' },
  ecdsa_secp521r1_sha512: { hash: 'sha512', pss: false, keyType: 'EC-P521' },
  rsa_pss_rsae_sha256: { hash: 'sha256', pss: true, keyType: 'RSA' },
  rsa_pss_rsae_sha384: { hash: 'sha384', pss: true, keyType: 'RSA' },
  rsa_pss_rsae_sha512: { hash: 'sha512', pss: true, keyType: 'RSA' },
  rsa_pkcs1_sha256: { hash: 'sha256', pss: false, keyType: 'RSA' },
  rsa_pkcs1_sha384: { hash: 'sha384', pss: false, keyType: 'RSA' },
  rsa_pkcs1_sha512: { hash: 'sha512', pss: false, keyType: 'RSA' },
  ed25519: { hash: null, pss: false, keyType: 'Ed25519' },
};

/** Schemes a key of this algorithm can produce, best first. */
export function schemesFor(algorithm: string): SignatureScheme[] {
  const family = algorithm.startsWith('RSA-') ? 'RSA' : algorithm;
  return (Object.keys(SCHEME_PARAMS) as SignatureScheme[]).filter((s) => SCHEME_PARAMS[s].keyType === family);
}

/**
 * A signer over a private key held in this process's memory (keys from the keychain, and tests).
 * The key object lives only as long as the signer; nothing is written anywhere.
 */
export function memorySigner(privateKey: KeyObject): Signer {
  const algorithm = keyAlgorithmName(privateKey) as KeyAlgorithm;
  const schemes = schemesFor(algorithm);
  return {
    algorithm,
    publicKeySpki: spkiOf(privateKey),
    schemes,
    async sign(scheme: SignatureScheme, data: Buffer): Promise<Buffer> {
      if (!schemes.includes(scheme)) {
        throw new KeyportError(
          'KEYPORT_SIGN_SCHEME_UNSUPPORTED',
          `Cannot sign with ${scheme}: the key is ${algorithm}.`,
        );
      }
      const p = SCHEME_PARAMS[scheme];
      if (p.keyType !== 'RSA') {
        // EC and Ed25519 signatures take tens of microseconds: the thread-pool hop of the async
        // form would cost more than it saves. RSA (milliseconds) stays off the event loop.
        try {
          return cryptoSign(p.hash, data, privateKey);
        } catch (e) {
          throw signFailed(e as Error);
        }
      }
      const key = p.pss
        ? { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }
        : privateKey;
      return new Promise((resolve, reject) =>
        cryptoSign(p.hash, data, key, (e, sig) => (e ? reject(signFailed(e)) : resolve(sig))),
      );
    },
  };
}

function signFailed(e: Error): KeyportError {
  return new KeyportError('KEYPORT_SIGN_FAILED', `Signing failed: ${e.message}.`, { cause: e });
}
