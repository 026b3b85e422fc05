/**
 * Test hook: `KEYPORT_TEST_CRASH_AT=<point>` makes the process kill itself with SIGKILL when it
 * reaches that point of an enrollment or renewal, so tests can prove that a crash at any step leaves
 * one usable, consistent identity. Points: key-unrecorded (key made, its reference not yet journaled),
 * after-keygen, after-csr, after-ca, before-commit,
 * mid-write (registry temp file written, not yet renamed), before-retire. Unset in normal use.
 */
export type CrashPoint = 'key-unrecorded' | 'after-keygen' | 'after-csr' | 'after-ca' | 'before-commit' | 'mid-write' | 'before-retire';

/** Dies here, as `kill -9` would, when the test hook names this point. */
export function crashPoint(point: CrashPoint): void {
  if (process.env.KEYPORT_TEST_CRASH_AT === point) process.kill(process.pid, 'SIGKILL');
}
