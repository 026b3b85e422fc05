/**
 * `tokens.changed` without polling in the UI: the core asks the token host for its slot list
 * every second (a fresh C_GetSlotList, so readers and cards that come and go show up) and
 * publishes an event when anything differs — a card inserted or removed, a login or logout.
 */
import type { TokenModuleView } from '../../shared/identity';

/** How often the slot list is read. */
export const TOKEN_POLL_MS = 1000;

/** Stops the watch. */
export type StopWatch = () => void;

/**
 * Calls `onChange` whenever `list()` answers differently from the time before (a failure counts
 * as an answer: its message). Polls never overlap; the first answer is the baseline.
 */
export function watchTokens(list: () => Promise<TokenModuleView[]>, onChange: () => void, intervalMs = TOKEN_POLL_MS): StopWatch {
  let last: string | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const poll = async () => {
    const now = await list().then(
      (modules) => JSON.stringify(modules),
      (e: unknown) => `error: ${e instanceof Error ? e.message : String(e)}`,
    );
    if (stopped) return;
    if (last !== undefined && now !== last) onChange();
    last = now;
    timer = setTimeout(() => void poll(), intervalMs);
    timer.unref();
  };
  void poll();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
