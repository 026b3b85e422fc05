import { toKeyportError, type KeyportError } from '../shared/errors';
import { exitCodeFor } from './exit-codes';

/** Prints a value as JSON or as text, on stdout. */
export function print(value: unknown, json: boolean, text: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : text());
}

/**
 * Reports a failure as one sentence (or a JSON error object with --json) on stderr and sets the
 * exit code. Never a stack trace: KEYPORT_DEBUG=1 adds the cause for bug reports.
 */
export function fail(e: unknown, json: boolean): void {
  const err: KeyportError = toKeyportError(e);
  if (json) {
    process.stderr.write(`${JSON.stringify({ error: { code: err.code, message: err.message } })}\n`);
  } else {
    process.stderr.write(`keyport: ${err.message} [${err.code}]\n`);
  }
  if (process.env.KEYPORT_DEBUG === '1' && err.cause instanceof Error) process.stderr.write(`${err.cause.stack}\n`);
  process.exitCode = exitCodeFor(err.code);
}

/** Plain rows aligned in columns, for human output. */
export function table(rows: string[][]): string {
  if (rows.length === 0) return '';
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}
