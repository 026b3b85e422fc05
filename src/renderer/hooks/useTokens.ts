import { useMemo } from 'react';
import type { TokenModuleView } from '../../shared/identity';
import { keyport } from '../api';
import { useResult, type Loaded } from './useResult';

/** PKCS#11 modules, slots and tokens, reloaded on `tokens.changed` (insert, remove, login, logout). */
export function useTokens(): Loaded<TokenModuleView[]> {
  const subscriptions = useMemo(() => [keyport.tokens.onChanged], []);
  return useResult(() => keyport.tokens.list(), subscriptions);
}

/** A token that can take a key: present in its slot, with its module and label. */
export interface TokenChoice {
  module: string;
  label: string;
  loggedIn: boolean;
  description: string;
}

/** The tokens present in every slot of every module, for a destination picker. */
export function presentTokens(modules: TokenModuleView[]): TokenChoice[] {
  return modules.flatMap((m) =>
    m.slots.flatMap((slot) =>
      slot.token ? [{ module: m.module, label: slot.token.label, loggedIn: slot.token.loggedIn, description: `${slot.token.manufacturer} ${slot.token.model}`.trim() }] : [],
    ),
  );
}
