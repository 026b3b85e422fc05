/**
 * What the PKCS#11 key store needs from a token host: one typed call. TokenHostClient (a separate
 * process) provides it; so does InProcessPkcs11, the benchmark's baseline.
 */
import type { ParamsOf, ResultOf, TokenHostMethod } from '../../tokenhost/protocol';

/** Something that runs token-host methods. */
export interface TokenHostApi {
  call<M extends TokenHostMethod>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>>;
}

/** Asked for a token's user PIN when a login is needed. PINs are never stored by Keyport. */
export type PinSource = (token: { module: string; token: string }) => Promise<string>;
