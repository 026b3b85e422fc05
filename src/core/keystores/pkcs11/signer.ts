/**
 * A Signer over a key on a PKCS#11 token: signing runs in the token host, which hashes the data,
 * picks the mechanism and returns DER for ECDSA.
 */
import type { KeyDescription } from '../../tokenhost/protocol';
import type { KeyAlgorithm, SignatureScheme, Signer } from '../types';

/** Signs `data` with `scheme` on the token (login and retry are the caller's concern). */
export type TokenSign = (scheme: SignatureScheme, data: Buffer) => Promise<Uint8Array>;

/** A signer for one token key as described by the host. */
export class Pkcs11Signer implements Signer {
  readonly algorithm: KeyAlgorithm;
  readonly publicKeySpki: Buffer;
  readonly schemes: readonly SignatureScheme[];

  constructor(
    description: KeyDescription,
    private readonly signOnToken: TokenSign,
  ) {
    this.algorithm = description.algorithm;
    this.publicKeySpki = Buffer.from(description.publicKeySpki);
    this.schemes = description.schemes;
  }

  async sign(scheme: SignatureScheme, data: Buffer): Promise<Buffer> {
    const signature = await this.signOnToken(scheme, data);
    return Buffer.from(signature.buffer, signature.byteOffset, signature.byteLength);
  }
}
