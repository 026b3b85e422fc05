import type { KeyDestination, StoreResolver } from '../../identities/service';
import type { KeyAlgorithm, KeyRef } from '../../keystores/types';
import { createCsr } from '../../pki/csr';
import type { NewKey, ProviderContext } from '../provider';

/** A provider context that remembers every key it made, so a failed operation can delete them all. */
export interface TrackingContext extends ProviderContext {
  /** Keys made so far, in order. */
  readonly made: KeyRef[];
  /** Deletes every key made (best effort: a key already gone is fine). */
  discard(): Promise<void>;
}

/**
 * The context for one ACME operation in store `to`.
 * LEAD: when the renewal service (src/core/enroll/renewal.ts) lands, its journaled context replaces
 * this one (it also survives a kill -9 between makeKey and the registry write).
 */
export function trackingContext(stores: StoreResolver, to: KeyDestination, caRoots: Buffer[]): TrackingContext {
  const made: KeyRef[] = [];
  return {
    made,
    caRoots,
    async makeKey(algorithm: KeyAlgorithm, label: string): Promise<NewKey> {
      const store = await stores.store(to);
      const stored = await store.generate(algorithm, { label, ...(to.kind === 'pkcs11' ? { token: to.token } : {}) });
      made.push(stored.ref);
      const signer = await store.signer(stored.ref);
      return {
        ref: stored.ref,
        algorithm,
        publicKeySpki: stored.publicKeySpki,
        signer,
        csr: (subject, sans) => createCsr({ subject, sans, signer }),
      };
    },
    async discard() {
      for (const ref of made.splice(0).reverse()) {
        await (await stores.store(ref)).delete(ref).catch(() => undefined);
      }
    },
  };
}
