import { useCallback, useRef, useState } from 'react';
import type { Result } from '../../shared/result';

/** Why an action failed: the contract's error code and its sentence. */
export interface ActionError {
  code: string;
  message: string;
}

/**
 * Runs `action` on demand, tracking busy/error/value; a second press while one runs is ignored,
 * so a double click never imports or removes twice.
 */
export function useAction<T, A extends unknown[] = []>(action: (...args: A) => Promise<Result<T>>) {
  const [state, setState] = useState<{ busy: boolean; error?: ActionError; value?: T }>({ busy: false });
  const running = useRef(false);
  const run = useCallback(
    async (...args: A): Promise<Result<T> | undefined> => {
      if (running.current) return undefined;
      running.current = true;
      setState({ busy: true });
      try {
        const result = await action(...args);
        setState(result.ok ? { busy: false, value: result.value } : { busy: false, error: result.error });
        return result;
      } finally {
        running.current = false;
      }
    },
    [action],
  );
  const reset = useCallback(() => setState({ busy: false }), []);
  return { ...state, run, reset };
}
