import type { Keyport } from '../app';
import type { IdentityRecord } from '../identities/schema';
import { identityView } from '../identities/view';
import type { ProbeIdentity } from './identity';

/** Every identity Keyport knows (registry and tokens), as a test offers them: keys loaded only when asked. */
export async function registryIdentities(k: Keyport): Promise<ProbeIdentity[]> {
  return (await k.records()).map((r) => probeIdentity(k, r));
}

/** One identity by id, id prefix or label (KEYPORT_NOT_FOUND when none). */
export async function registryIdentity(k: Keyport, query: string): Promise<ProbeIdentity> {
  return probeIdentity(k, await k.record(query));
}

function probeIdentity(k: Keyport, record: IdentityRecord): ProbeIdentity {
  const v = identityView(record);
  return {
    id: v.id,
    label: v.label,
    status: v.status,
    keyAlgorithm: v.keyAlgorithm,
    store: v.keyStore,
    chain: record.chain.map((c) => Buffer.from(c, 'base64')),
    load: async () => (await k.signerFor(record.id)).signer,
  };
}
