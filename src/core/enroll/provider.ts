/**
 * The one interface every enrollment provider implements (step-ca, ACME, manual), and what a
 * provider gets from Keyport to do its work. A provider only talks to its CA: it never stores
 * anything. The renewal service (./renewal.ts) makes keys, checks what the CA issued and swaps it
 * into the registry atomically, so every provider gets the same never-half-done guarantees.
 */
import type { KeyAlgorithm, KeyRef, Signer } from '../keystores/types';
import type { ProviderSettings } from './settings';

export type { ProviderSettings, RenewalSettings, HistoryEntry } from './settings';

/** A key freshly made in the identity's store (keychain or token); only its CSR ever leaves it. */
export interface NewKey {
  ref: KeyRef;
  algorithm: KeyAlgorithm;
  /** SubjectPublicKeyInfo DER. */
  publicKeySpki: Buffer;
  signer: Signer;
  /** A PKCS#10 request signed by this key (PEM). `sans` as `DNS:x`, `IP:x`, `email:x`, `URI:x`. */
  csr(subject: string, sans: string[]): Promise<string>;
}

/** The identity being renewed: its key signs the mTLS handshake that authenticates the renewal. */
export interface CurrentIdentity {
  id: string;
  signer: Signer;
  /** DER, leaf first. */
  chain: Buffer[];
}

/** What a CA issued. The renewal service checks it (key matches, chain validates to the roots). */
export interface Issued {
  /** DER, leaf first, as the CA returned it (intermediates included when it sent them). */
  chain: Buffer[];
}

/** The CA's trust bundle: every root it currently publishes (DER), for root rotation. */
export interface TrustBundle {
  roots: Buffer[];
  /** Where the bundle came from (for messages), e.g. `https://ca.example:9000/roots`. */
  source: string;
}

/** What Keyport hands a provider for one operation. */
export interface ProviderContext {
  /**
   * Makes a key in the store the identity lives in (or the one chosen for a first enrollment).
   * Keyport journals the key before it exists, so a crash leaves no orphan: providers that need an
   * extra key (an ACME account key) ask here too, with their own label.
   */
  makeKey(algorithm: KeyAlgorithm, label: string): Promise<NewKey>;
  /** The CA's current trust bundle (DER roots) for validating the CA's own HTTPS endpoint. */
  caRoots: Buffer[];
  /** One line per noteworthy step (the daemon logs it); never secrets. */
  log?(message: string): void;
}

/** What a first enrollment asks for; provider-specific inputs (a one-time token, EAB) are in `params`. */
export interface EnrollRequest {
  algorithm: KeyAlgorithm;
  /** Label for the key and the identity. */
  label?: string;
}

/**
 * One CA integration. Each method returns what the CA issued and leaves storing it to Keyport.
 * `renew` keeps the key (authenticated by `current` over mTLS); `rekey` gets a CSR from `next`, a key
 * Keyport just made in the same store; `enroll` makes its own key through `ctx.makeKey`.
 */
export interface EnrollmentProvider {
  readonly kind: ProviderSettings['kind'];
  /** The settings to store with the identity so the scheduler can renew it later (no secrets). */
  settings(): ProviderSettings;
  /** First issuance. Returns the chain and the key it was issued for (made through ctx.makeKey). */
  enroll(request: EnrollRequest, ctx: ProviderContext): Promise<Issued & { key: NewKey }>;
  /** A new certificate for the same key. Must not be called with an expired certificate. */
  renew(current: CurrentIdentity, ctx: ProviderContext): Promise<Issued>;
  /** A new certificate for the new key `next`, authenticated by the current identity. */
  rekey(current: CurrentIdentity, next: NewKey, ctx: ProviderContext): Promise<Issued>;
  /** The CA's trust bundle as it is now (root rotation). */
  roots(ctx: ProviderContext): Promise<TrustBundle>;
}
