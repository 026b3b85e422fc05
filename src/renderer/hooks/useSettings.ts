import { useCallback, useEffect, useMemo } from 'react';
import type { Settings } from '../../shared/views';
import { keyport } from '../api';
import { useAction } from './useAction';
import { useResult, type Loaded } from './useResult';

/** The user's settings, reloaded on `settings.changed` (another window or tab changed them). */
export function useSettings(): Loaded<Settings> {
  const subscriptions = useMemo(() => [keyport.settings.onChanged], []);
  return useResult(() => keyport.settings.get(), subscriptions);
}

/** Saves part of the settings. */
export function useSaveSettings() {
  return useAction(useCallback((patch: Partial<Settings>) => keyport.settings.set(patch), []));
}

/**
 * Applies the theme setting to <html data-theme>: `system` removes the attribute so the CSS
 * follows the OS (prefers-color-scheme); `light`/`dark` override it.
 */
export function useThemeAttribute(settings: Loaded<Settings>): void {
  const theme = settings.result?.ok ? settings.result.value.theme : 'system';
  useEffect(() => {
    if (theme === 'system') delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = theme;
  }, [theme]);
}
