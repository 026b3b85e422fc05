import { useEffect, useMemo, useState } from 'react';
import type { IdentityDetail } from '../../shared/contract';
import { keyport } from '../api';
import type { CertificateSummary } from '../features/identities/chain';
import { useResult, type Loaded } from './useResult';

/** One identity with its chain, reloaded when the identity list changes (it may have been removed). */
export function useIdentity(id: string): Loaded<IdentityDetail> {
  const subscriptions = useMemo(() => [keyport.identities.onChanged], []);
  return useResult(() => keyport.identities.show({ id }), subscriptions);
}

/** The chain's certificates, read from PEM: `undefined` while reading, an Error when one is unreadable. */
export function useChain(pem: string | undefined): CertificateSummary[] | Error | undefined {
  const [chain, setChain] = useState<CertificateSummary[] | Error | undefined>(undefined);
  useEffect(() => {
    if (pem === undefined) return;
    let current = true;
    // Loaded on first use: the X.509 parser is most of the bundle and the list does not need it.
    import('../features/identities/chain')
      .then(({ readChain }) => readChain(pem))
      .then(
      (summaries) => current && setChain(summaries),
      (e: unknown) => current && setChain(e instanceof Error ? e : new Error(String(e))),
    );
    return () => {
      current = false;
    };
  }, [pem]);
  return chain;
}
