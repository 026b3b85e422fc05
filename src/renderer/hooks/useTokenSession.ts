import { useCallback } from 'react';
import { keyport } from '../api';
import { useAction } from './useAction';

/** Logs in to a token with a PIN the user just typed (the PIN goes straight to the contract, never kept). */
export function useTokenLogin(module: string, token: string) {
  return useAction(useCallback((pin: string) => keyport.tokens.login({ module, token, pin }), [module, token]));
}

/** Ends the session with a token. */
export function useTokenLogout(module: string, token: string) {
  return useAction(useCallback(() => keyport.tokens.logout({ module, token }), [module, token]));
}
