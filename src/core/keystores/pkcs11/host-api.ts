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

/**
 * Told that the token refused a PIN the PinSource gave (wrong, or the token locked): a source that
 * answers without asking anyone must not give it again, since a token locks after a few wrong PINs.
 */
export type PinRejected = (token: { module: string; token: string }, pin: string) => void;
