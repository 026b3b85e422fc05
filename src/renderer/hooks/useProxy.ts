import { useCallback, useEffect, useMemo, useState } from 'react';
import type { ProxyStatsEvent, RouteInput } from '../../shared/app-views';
import { keyport } from '../api';
import { useAction } from './useAction';
import { useResult } from './useResult';

/** The saved routes (reloaded on `routes.changed`) and the live counters pushed by `proxy.stats`. */
export function useRoutes() {
  const subscriptions = useMemo(() => [keyport.routes.onChanged], []);
  const loaded = useResult(() => keyport.routes.list(), subscriptions);
  const [live, setLive] = useState<ProxyStatsEvent | undefined>(undefined);
  useEffect(() => keyport.proxy.onStats(setLive), []);
  return { ...loaded, live };
}

/** Adds a saved route. */
export function useAddRoute() {
  return useAction(useCallback((route: RouteInput) => keyport.routes.add({ route }), []));
}

/** Removes a saved route. */
export function useRemoveRoute() {
  return useAction(useCallback((name: string) => keyport.routes.remove({ name }), []));
}

/** Starts or stops every saved route in this app. */
export function useProxySwitch() {
  const start = useAction(useCallback(() => keyport.routes.start(), []));
  const stop = useAction(useCallback(() => keyport.routes.stop(), []));
  return { start, stop };
}

/** The doctor's report on a saved route's upstream (`routes.diagnose`), kept until reset(). */
export function useDiagnoseRoute() {
  return useAction(useCallback((name: string, http: boolean) => keyport.routes.diagnose({ name, http }), []));
}

/** Replaces the saved route `name` (a running route moves to its new address). */
export function useUpdateRoute() {
  return useAction(useCallback((name: string, route: RouteInput) => keyport.routes.update({ name, route }), []));
}
