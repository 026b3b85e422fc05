import type { IdentityStatus, IdentityView } from '../../../shared/identity';

/** Which identities the list shows: all, or one status. `attention` is expiring or expired. */
export type StatusFilter = 'all' | 'attention' | IdentityStatus;

/** Lower-cased searchable text of an identity, computed once per list so typing stays fast. */
export function searchText(identity: IdentityView): string {
  const store = identity.keyStore.kind === 'keychain' ? 'keychain' : `${identity.keyStore.token} ${identity.keyStore.module}`;
  return [identity.label, identity.subject, identity.issuer, identity.id, identity.serial, identity.keyAlgorithm, store, ...identity.sans]
    .join('\n')
    .toLowerCase();
}

/** True when `identity` passes the status filter. */
export function matchesStatus(identity: IdentityView, filter: StatusFilter): boolean {
  if (filter === 'all') return true;
  if (filter === 'attention') return identity.status === 'expiring' || identity.status === 'expired';
  return identity.status === filter;
}

/** The identities that pass `filter` and contain every word of `query`, in their list order. */
export function filterIdentities(
  identities: IdentityView[],
  texts: Map<string, string>,
  filter: StatusFilter,
  query: string,
): IdentityView[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return identities.filter((identity) => {
    if (!matchesStatus(identity, filter)) return false;
    const text = texts.get(identity.id) ?? searchText(identity);
    return words.every((word) => text.includes(word));
  });
}

/** How many identities each status filter would show, for the filter's counters. */
export function countByFilter(identities: IdentityView[]): Record<StatusFilter, number> {
  const counts: Record<StatusFilter, number> = { all: identities.length, attention: 0, valid: 0, expiring: 0, expired: 0, 'not-yet-valid': 0 };
  for (const identity of identities) {
    counts[identity.status] += 1;
    if (identity.status === 'expiring' || identity.status === 'expired') counts.attention += 1;
  }
  return counts;
}
