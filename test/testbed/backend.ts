/**
 * Which test-bed backends this machine has, and what a test does when one is missing:
 * under CI it fails (the test bed is part of CI's contract), elsewhere it says what is
 * missing and skips. For Vitest test files only.
 *
 *   const hsm = requireBackend('softhsm2');
 *   describe.skipIf(hsm.missing)('SoftHSM key store', () => { ... });
 */
import { it } from 'vitest';
import { PROBES, type Probe } from './tools.js';

export { fileExists, needs, OPENSC_MODULE, PROBES, SOFTHSM_MODULE, TPM2_MODULE, which, type Probe } from './tools.js';

const INSTALL_HINT = 'install with scripts/install-testbed.sh';

/** What `requireBackend` found. */
export interface BackendStatus {
  readonly name: string;
  readonly available: boolean;
  /** `!available`, for `describe.skipIf(status.missing)`. */
  readonly missing: boolean;
  /** Why it is missing, when it is. */
  readonly reason?: string;
}

/** True when `CI` is set to anything but "", "0" or "false". */
export function isCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

/** The one line printed (or failed with under CI) for a missing backend. */
export function missingMessage(name: string, reason?: string, hint = INSTALL_HINT): string {
  const base = `Backend missing: ${name} (${hint})`;
  return reason ? `${base}: ${reason}` : base;
}

/**
 * Checks a backend for a test file; call it at collection time (module top level or a
 * describe body). Missing under CI: registers a test that fails with the reason, so the run
 * fails while other suites still run. Missing elsewhere: prints the reason. Either way it
 * returns `missing: true` for `describe.skipIf`.
 * `probe` defaults to the known probe for `name` (see PROBES); `hint` says how to get the
 * backend (default: install with scripts/install-testbed.sh).
 */
export function requireBackend(name: string, probe?: Probe, hint?: string): BackendStatus {
  const check = probe ?? PROBES[name];
  if (!check) throw new Error(`Unknown test-bed backend ${name}: pass a probe or use one of ${Object.keys(PROBES).join(', ')}`);
  const result = check();
  if (result === true) return { name, available: true, missing: false };
  const reason = typeof result === 'string' ? result : undefined;
  const message = missingMessage(name, reason, hint);
  if (isCi()) {
    it(`has the ${name} backend`, () => {
      throw new Error(message);
    });
  } else {
    console.warn(message);
  }
  return { name, available: false, missing: true, ...(reason ? { reason } : {}) };
}
