import { toKeyportError } from '../../../shared/errors';
import type { ProbeStep, ProbeStepName } from '../../../shared/probe-report';
import type { StepFailure } from '../facts';

/** Where a test's steps are recorded as they run. */
export interface StepLog {
  steps: ProbeStep[];
  failure?: StepFailure;
}

/**
 * Runs one step, timing it and recording how it went; a failure is recorded (with the OS error
 * code of its cause) and rethrown as a KeyportError for the pipeline to stop at.
 */
export async function timed<T>(log: StepLog, step: ProbeStepName, fn: () => Promise<T>, detail?: (value: T) => string | undefined): Promise<T> {
  const start = performance.now();
  try {
    const value = await fn();
    const d = detail?.(value);
    log.steps.push({ step, ok: true, ms: round(performance.now() - start), ...(d ? { detail: d } : {}) });
    return value;
  } catch (e) {
    const err = toKeyportError(e, `The ${step} step failed`);
    const errno = errnoOf(err);
    log.steps.push({ step, ok: false, ms: round(performance.now() - start), error: { code: err.code, message: err.message } });
    log.failure = { step, code: err.code, message: err.message, ...(errno ? { errno } : {}) };
    throw err;
  }
}

/** The OS error code (ECONNREFUSED, ENOTFOUND, ...) of an error or its causes. */
function errnoOf(e: unknown): string | undefined {
  for (let c: unknown = e, depth = 0; c instanceof Error && depth < 4; c = c.cause, depth += 1) {
    const code = (c as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
  }
  return undefined;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
