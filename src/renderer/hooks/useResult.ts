import { useCallback, useEffect, useRef, useState } from 'react';
import type { Result } from '../../shared/result';
import type { Unsubscribe } from '../../shared/events';

/** A contract answer on its way (`undefined`) or arrived, with a function to ask again. */
export interface Loaded<T> {
  result: Result<T> | undefined;
  reload: () => void;
}

/** Subscribes a listener to a contract event; pass a stable (memoised) list of these. */
export type Subscription = (listener: () => void) => Unsubscribe;

const NONE: Subscription[] = [];

/**
 * Calls `load` now and again each time one of `subscriptions` fires (no polling). An answer that
 * arrives after a newer request started is dropped, so a slow old answer never overwrites a new one.
 */
export function useResult<T>(load: () => Promise<Result<T>>, subscriptions: Subscription[] = NONE): Loaded<T> {
  const [result, setResult] = useState<Result<T> | undefined>(undefined);
  const generation = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const reload = useCallback(() => {
    const mine = ++generation.current;
    void loadRef.current().then((answer) => {
      if (mine === generation.current) setResult(answer);
    });
  }, []);
  useEffect(() => {
    reload();
    const unsubscribes = subscriptions.map((subscribe) => subscribe(reload));
    return () => unsubscribes.forEach((unsubscribe) => unsubscribe());
  }, [reload, subscriptions]);
  return { result, reload };
}
