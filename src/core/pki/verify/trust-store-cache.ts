import { BoundedMap } from '../../bounded-map';
import { fingerprintOf } from './parsed-cert';
import { loadSystemStore } from './system-store';
import { parseAnchors, TrustStore } from './trust-store';

/** Distinct anchor lists in use at once: one per --ca set, a handful in practice. */
export const TRUST_STORE_CACHE_SIZE = 32;

const stores = new BoundedMap<string, TrustStore>(TRUST_STORE_CACHE_SIZE);

/**
 * The TrustStore for these anchors (DER, in the caller's order, which sets path preference) with or
 * without the system roots, built once and reused: a TrustStore never changes after construction.
 * Throws KEYPORT_CERT_INVALID, as parseAnchors does, for an unreadable anchor (never cached).
 */
export async function trustStoreFor(anchors: readonly Buffer[], useSystem: boolean): Promise<TrustStore> {
  const key = `${useSystem ? 'system' : 'own'}:${anchors.map(fingerprintOf).join(',')}`;
  const hit = stores.get(key);
  if (hit) return hit;
  const parsed = parseAnchors(anchors);
  const store = new TrustStore(parsed, useSystem ? await loadSystemStore() : undefined);
  stores.set(key, store);
  return store;
}
