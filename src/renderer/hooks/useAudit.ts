import { useMemo } from 'react';
import type { AuditEntryView } from '../../shared/app-views';
import { keyport } from '../api';
import { useResult, type Loaded } from './useResult';

/** The newest audit entries (proxy sessions), reloaded when routes or their counters change. */
export function useAudit(limit = 500): Loaded<AuditEntryView[]> {
  const subscriptions = useMemo(() => [keyport.routes.onChanged], []);
  return useResult(() => keyport.audit.list({ limit }), subscriptions);
}
