import type { ErrorCode } from '../../shared/errors';

/** How long the same failure of a route is said once. */
export const FAILURE_WINDOW_MS = 5000;

type Say = (route: string, code: ErrorCode, message: string) => void;

/**
 * Says each failure of a route once per window: a client retrying against a broken upstream would
 * otherwise print the same line thousands of times (the audit log keeps every one). The repeats a
 * window held back are summed up in one line at its end; a different sentence is said at once.
 */
export class FailureThrottle {
  private readonly windows = new Map<string, { held: number; timer: NodeJS.Timeout }>();

  constructor(
    private readonly say: Say,
    private readonly windowMs = FAILURE_WINDOW_MS,
  ) {}

  report(route: string, code: ErrorCode, message: string): void {
    const key = `${route}\0${code}\0${message}`;
    const open = this.windows.get(key);
    if (open) return void open.held++;
    this.say(route, code, message);
    const timer = setTimeout(() => this.end(key, route, code), this.windowMs);
    timer.unref();
    this.windows.set(key, { held: 0, timer });
  }

  /** Forgets the open windows without their summaries (the proxy is stopping). */
  stop(): void {
    for (const w of this.windows.values()) clearTimeout(w.timer);
    this.windows.clear();
  }

  private end(key: string, route: string, code: ErrorCode): void {
    const held = this.windows.get(key)?.held ?? 0;
    this.windows.delete(key);
    if (held === 0) return;
    this.say(route, code, `${held} more connection${held === 1 ? '' : 's'} failed the same way in the last ${this.windowMs / 1000} s (each is in the audit log).`);
  }
}
