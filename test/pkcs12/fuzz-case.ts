/** One fuzz case: a mutated file must open or fail with a KeyportError, quickly. */
import { parsePkcs12, pickIdentity } from '../../src/core/pki/pkcs12';
import { KeyportError, type ErrorCode } from '../../src/shared/errors';
import { mutate } from './mutate';
import type { FuzzSeed } from './fuzz-seeds';

/** The codes a damaged PKCS#12 file may legitimately produce. */
export const EXPECTED_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'KEYPORT_PKCS12_INVALID',
  'KEYPORT_PKCS12_WRONG_PASSWORD',
  'KEYPORT_PKCS12_UNSUPPORTED',
  'KEYPORT_PKCS12_NO_KEY',
  'KEYPORT_KEY_MISMATCH',
  'KEYPORT_KEY_INVALID',
  'KEYPORT_KEY_UNSUPPORTED',
  'KEYPORT_CERT_INVALID',
  'KEYPORT_FILE_TOO_LARGE',
]);

/** Longest a single case may take. */
export const CASE_BUDGET_MS = 2000;

/**
 * Iteration ceiling while fuzzing. A mutation can turn a count into any legal value up to the
 * real ceiling (10,000,000), and honouring that takes seconds by design; the real ceiling and its
 * prompt refusal are tested in errors.test.ts, so fuzzing keeps derivations cheap.
 */
export const FUZZ_MAX_ITERATIONS = 100_000;

/** What happened to one case. */
export type FuzzOutcome =
  | { kind: 'opened' | ErrorCode; ms: number }
  | { kind: 'failure'; ms: number; reason: string };

/**
 * A TypeError or ReferenceError thrown by Keyport's own PKCS#12 code (not by an ASN.1 library
 * refusing bad input) is a bug, even when the catch-all turned it into a clean KeyportError.
 */
function isOurBug(cause: unknown): boolean {
  if (!(cause instanceof TypeError || cause instanceof ReferenceError)) return false;
  const topFrame = cause.stack?.split('\n').find((line) => line.trim().startsWith('at ')) ?? '';
  return topFrame.includes('/src/core/pki/pkcs12/');
}

/** Mutates `seed` with `caseSeed`, then parses it and picks its identity. */
export async function runFuzzCase(seed: FuzzSeed, caseSeed: number): Promise<FuzzOutcome> {
  const data = mutate(seed.data, caseSeed);
  const started = performance.now();
  let outcome: FuzzOutcome;
  try {
    pickIdentity(await parsePkcs12(data, seed.password, { maxIterations: FUZZ_MAX_ITERATIONS }));
    outcome = { kind: 'opened', ms: 0 };
  } catch (e) {
    if (!(e instanceof KeyportError)) {
      outcome = { kind: 'failure', ms: 0, reason: `non-Keyport error: ${String(e)}` };
    } else if (!EXPECTED_CODES.has(e.code)) {
      outcome = { kind: 'failure', ms: 0, reason: `unexpected code ${e.code}: ${e.message}` };
    } else if (isOurBug(e.cause)) {
      outcome = { kind: 'failure', ms: 0, reason: `bug behind ${e.code}: ${String(e.cause)}` };
    } else if (/\n|\bat .*:\d+:\d+/.test(e.message)) {
      outcome = { kind: 'failure', ms: 0, reason: `message with a stack trace: ${e.message}` };
    } else {
      outcome = { kind: e.code, ms: 0 };
    }
  }
  outcome.ms = performance.now() - started;
  if (outcome.kind !== 'failure' && outcome.ms > CASE_BUDGET_MS) {
    return { kind: 'failure', ms: outcome.ms, reason: `took ${Math.round(outcome.ms)} ms` };
  }
  return outcome;
}
