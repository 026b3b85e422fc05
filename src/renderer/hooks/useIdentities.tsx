import { createContext, useContext, useMemo, type ReactNode } from 'react';
import type { IdentityView } from '../../shared/identity';
import { keyport } from '../api';
import { useResult, type Loaded } from './useResult';

const IdentitiesContext = createContext<Loaded<IdentityView[]> | undefined>(undefined);

/**
 * Loads the identity list once for the whole app and reloads it whenever `identities.changed`
 * fires (also for changes made by the CLI). The sidebar, the list and the pickers share it, so
 * a change costs one `identities.list`, not one per component.
 */
export function IdentitiesProvider({ children }: { children: ReactNode }) {
  const subscriptions = useMemo(() => [keyport.identities.onChanged], []);
  const loaded = useResult(() => keyport.identities.list(), subscriptions);
  return <IdentitiesContext.Provider value={loaded}>{children}</IdentitiesContext.Provider>;
}

/** The shared identity list (needs {@link IdentitiesProvider} above). */
export function useIdentities(): Loaded<IdentityView[]> {
  const loaded = useContext(IdentitiesContext);
  if (!loaded) throw new Error('useIdentities needs an IdentitiesProvider above it');
  return loaded;
}

/** An identity's label by id (undefined while loading or when no identity has that id). */
export function useIdentityLabel(): (id: string) => string | undefined {
  const { result } = useIdentities();
  return (id) => (result?.ok ? result.value.find((i) => i.id === id)?.label : undefined);
}
