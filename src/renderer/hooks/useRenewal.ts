import { useCallback, useEffect, useMemo } from 'react';
import type { RenewalInfo } from '../../shared/app-views';
import { keyport } from '../api';
import { useAction } from './useAction';
import { useResult, type Loaded } from './useResult';

/** An identity's renewal settings, schedule and history, reloaded on `renewal.changed`. */
export function useRenewal(id: string): Loaded<RenewalInfo> {
  const subscriptions = useMemo(() => [keyport.renewal.onChanged], []);
  return useResult(() => keyport.renewal.show({ id }), subscriptions);
}

/** Renews an identity now (same id, new serial). */
export function useRenewNow(id: string) {
  return useAction(useCallback(() => keyport.renewal.renewNow({ id }), [id]));
}

/** At most this many identities are asked for their renewal at once (one `renewal.show` each). */
const RENEWALS_SHOWN = 200;

/**
 * Every listed identity's renewal (the first {@link RENEWALS_SHOWN}), reloaded on `renewal.changed`
 * and whenever the identity list changes. Identities whose `renewal.show` failed are left out.
 */
export function useRenewals(ids: readonly string[]): Loaded<RenewalInfo[]> {
  const subscriptions = useMemo(() => [keyport.renewal.onChanged], []);
  const key = ids.slice(0, RENEWALS_SHOWN).join('\n');
  const load = useCallback(async () => {
    const answers = await Promise.all((key ? key.split('\n') : []).map((id) => keyport.renewal.show({ id })));
    return { ok: true as const, value: answers.flatMap((a) => (a.ok ? [a.value] : [])) };
  }, [key]);
  const loaded = useResult(load, subscriptions);
  const { reload } = loaded;
  useEffect(() => reload(), [key, reload]);
  return loaded;
}
