import { useCallback, useMemo } from 'react';
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
