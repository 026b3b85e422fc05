import { useCallback, useMemo } from 'react';
import type { EndpointView } from '../../shared/views';
import { keyport } from '../api';
import { useAction } from './useAction';
import { useResult, type Loaded } from './useResult';

/** Saved endpoints with their history, reloaded on `endpoints.changed` (also for `keyport endpoints` in a terminal). */
export function useEndpoints(): Loaded<EndpointView[]> {
  const subscriptions = useMemo(() => [keyport.endpoints.onChanged], []);
  return useResult(() => keyport.endpoints.list(), subscriptions);
}

/** What "Save as endpoint" sends. */
export interface EndpointForm {
  name: string;
  url: string;
  identity: string;
  servername: string;
}

/** Saves an endpoint (name, URL, identity, server name) for one-click re-runs. */
export function useAddEndpoint() {
  return useAction(
    useCallback(
      (form: EndpointForm) =>
        keyport.endpoints.add({ name: form.name.trim(), url: form.url.trim(), identity: form.identity, servername: form.servername.trim() || undefined }),
      [],
    ),
  );
}

/** Re-runs a saved endpoint's test; the result joins its history. */
export function useEndpointTest() {
  return useAction(useCallback((name: string) => keyport.endpoints.test({ name }), []));
}

/** Removes a saved endpoint and its history. */
export function useRemoveEndpoint() {
  return useAction(useCallback((name: string) => keyport.endpoints.remove({ name }), []));
}
