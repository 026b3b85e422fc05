import { useCallback, useEffect, useState } from 'react';

/** A screen and its optional parameter, from the address's hash: `#/identities/ID` → {screen, param}. */
export interface Route {
  screen: string;
  param?: string;
}

function parse(hash: string): Route {
  const [screen = '', ...rest] = hash.replace(/^#\/?/, '').split('/');
  return { screen: screen || 'identities', param: rest.length ? decodeURIComponent(rest.join('/')) : undefined };
}

/**
 * Hash routing: the screen lives in `location.hash`, so Back works and a reload stays put, and
 * `keyport serve`'s token exchange (which rewrites the path) never interferes.
 */
export function useRoute(): [Route, (to: string) => void] {
  const [route, setRoute] = useState(() => parse(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parse(location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  const navigate = useCallback((to: string) => {
    location.hash = `#/${to}`;
  }, []);
  return [route, navigate];
}
