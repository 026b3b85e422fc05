import type { RouteStats as RouteStatsShape } from '../../shared/app-views';

/** How many handshake latencies are kept for the percentiles (the most recent ones). */
const LATENCY_WINDOW = 1024;

/** Live counters of one route or forward-proxy listener (the shape the app's screens show). */
export type RouteStatsView = RouteStatsShape;

/** Counters for one route; every method is O(1) except the percentile read. */
export class RouteStats {
  active = 0;
  total = 0;
  bytesUp = 0;
  bytesDown = 0;
  handshakesFull = 0;
  handshakesResumed = 0;
  readonly errors = new Map<string, number>();
  private lastError: RouteStatsView['lastError'];
  private readonly latencies: number[] = [];
  private next = 0;

  constructor(
    readonly route: string,
    public listen: string,
    public upstream: string,
  ) {}

  handshake(ms: number, resumed: boolean): void {
    if (resumed) this.handshakesResumed++;
    else this.handshakesFull++;
    if (this.latencies.length < LATENCY_WINDOW) this.latencies.push(ms);
    else this.latencies[this.next] = ms;
    this.next = (this.next + 1) % LATENCY_WINDOW;
  }

  /** Counts a failure; its sentence becomes the route's last error. */
  error(code: string, message: string): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
    this.lastError = { at: new Date().toISOString(), code, message };
  }

  view(): RouteStatsView {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return {
      route: this.route,
      listen: this.listen,
      upstream: this.upstream,
      active: this.active,
      total: this.total,
      bytesUp: this.bytesUp,
      bytesDown: this.bytesDown,
      handshakesFull: this.handshakesFull,
      handshakesResumed: this.handshakesResumed,
      handshakeMsP50: percentile(sorted, 0.5),
      handshakeMsP95: percentile(sorted, 0.95),
      errors: Object.fromEntries(this.errors),
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }
}

/** Nearest-rank percentile of sorted values, rounded to 0.01 ms. */
function percentile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const v = sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return Math.round(v * 100) / 100;
}
