import { readFileSync } from 'node:fs';

/** The wall clock, injectable: the scheduler and renewals ask it, never a timer, what time it is. */
export type Clock = () => Date;

/**
 * The system's wall clock. Test hook: when `KEYPORT_TEST_CLOCK_OFFSET_FILE` names a file, the number of
 * milliseconds in it is added on every call, so a test moves the clock of a running daemon (a sleep,
 * a jump) by rewriting that file. Unset in normal use.
 */
export function wallClock(env: NodeJS.ProcessEnv = process.env): Clock {
  const file = env.KEYPORT_TEST_CLOCK_OFFSET_FILE;
  if (!file) return () => new Date();
  return () => {
    let offset = 0;
    try {
      offset = Number(readFileSync(file, 'utf8').trim()) || 0;
    } catch {
      // No file yet: no offset.
    }
    return new Date(Date.now() + offset);
  };
}
