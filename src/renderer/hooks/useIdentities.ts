import { useMemo } from 'react';
import type { IdentityView } from '../../shared/identity';
import { keyport } from '../api';
import { useResult, type Loaded } from './useResult';

/** The identity list, reloaded whenever `identities.changed` fires (also for changes made by the CLI). */
export function useIdentities(): Loaded<IdentityView[]> {
  const subscriptions = useMemo(() => [keyport.identities.onChanged], []);
  return useResult(() => keyport.identities.list(), subscriptions);
}
