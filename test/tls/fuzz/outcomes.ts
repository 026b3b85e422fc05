import { KeyportError } from '../../../src/shared/errors';
import { connect, type ConnectOptions } from '../../../src/core/tls';

/** How one fuzz case ended: `success`, an error code, or a finding (BUG:...). */
export type Outcome = string;

/** Codes that mean the client broke rather than refused bad input. */
const BUG_CODES = new Set(['KEYPORT_INTERNAL']);

/**
 * Runs one handshake and classifies its end. A case that neither resolves nor rejects
 * within `timeoutMs` plus a grace period is a hang.
 */
export async function handshakeOutcome(opts: ConnectOptions & { timeoutMs: number }): Promise<{ outcome: Outcome; detail: string }> {
  let guard: NodeJS.Timeout | undefined;
  const hang = new Promise<{ outcome: Outcome; detail: string }>((resolve) => {
    guard = setTimeout(() => resolve({ outcome: 'BUG:hang', detail: `no result after ${opts.timeoutMs + 3000} ms` }), opts.timeoutMs + 3000);
  });
  const run = connect(opts).then(
    (socket) => {
      socket.destroy();
      return { outcome: 'success', detail: '' };
    },
    (e: unknown) => classify(e),
  );
  try {
    return await Promise.race([run, hang]);
  } finally {
    clearTimeout(guard);
  }
}

/** A KeyportError's code, or a BUG outcome for anything else. */
export function classify(e: unknown): { outcome: Outcome; detail: string } {
  if (!(e instanceof KeyportError)) return { outcome: 'BUG:not-a-KeyportError', detail: String((e as Error)?.stack ?? e) };
  if (BUG_CODES.has(e.code)) {
    const cause = e.cause instanceof Error ? `\n${e.cause.stack}` : '';
    return { outcome: `BUG:${e.code}`, detail: `${e.message}${cause}` };
  }
  return { outcome: e.code, detail: e.message };
}

/** Outcome counts and the first few findings of a run. */
export class Tally {
  readonly counts = new Map<Outcome, number>();
  readonly findings: string[] = [];

  add(outcome: Outcome, report: () => string): void {
    this.counts.set(outcome, (this.counts.get(outcome) ?? 0) + 1);
    if (outcome.startsWith('BUG:') && this.findings.length < 10) this.findings.push(report());
  }

  get total(): number {
    return [...this.counts.values()].reduce((a, b) => a + b, 0);
  }

  summary(title: string): string {
    const rows = [...this.counts.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `  ${String(v).padStart(5)}  ${k}`);
    return `${title}: ${this.total} cases\n${rows.join('\n')}`;
  }
}

/** Runs `count` cases on `workers` parallel lanes; lane i owns resources such as a server. */
export async function runLanes(count: number, workers: number, runCase: (index: number, lane: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async (_, lane) => {
      for (let i = next++; i < count; i = next++) await runCase(i, lane);
    }),
  );
}

/** Collects unhandled rejections and uncaught exceptions while armed. */
export function processGuard(): { armed: string[]; disarm(): void } {
  const armed: string[] = [];
  const onRejection = (e: unknown): void => void armed.push(`unhandledRejection: ${String((e as Error)?.stack ?? e)}`);
  const onException = (e: Error): void => void armed.push(`uncaughtException: ${e.stack ?? e.message}`);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    armed,
    disarm() {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}
