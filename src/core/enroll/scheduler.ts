import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { RenewalNotice } from '../../shared/app-views';
import { toKeyportError } from '../../shared/errors';
import type { Registry } from '../identities/registry';
import type { IdentityRecord } from '../identities/schema';
import type { Clock } from './clock';
import type { RenewalService } from './renewal';
import { scheduleOf } from './schedule';
import { RenewalSettingsSchema } from './settings';

const MANUAL = RenewalSettingsSchema.parse({ provider: { kind: 'manual' } });

/** What the scheduler tells the daemon's log and the app (the contract's `renewal.notice`). */
export type SchedulerEvent = RenewalNotice;

/** How the scheduler runs. */
export interface SchedulerOptions {
  /** How often the wall clock is re-checked (default 30 s). */
  tickMs?: number;
  /** First retry after a failure, doubling up to `retryMaxMs` (defaults 30 s and 1 h). */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** How often every CA's roots are refreshed (default 6 h). */
  rootsEveryMs?: number;
  clock: Clock;
}

/**
 * Renews identities at their share of the lifetime, with jitter. It never sets a timer for a renewal:
 * timers run on the monotonic clock, which stops while the laptop sleeps, so one set before a sleep
 * fires hours late. Instead a short tick re-reads the wall clock and the registry, so a sleep, an
 * offline night or a restart is caught up on the first tick after. While the CA is down it backs off
 * exponentially (capped); an expired certificate is never sent to the CA but marked `needs re-enroll`.
 * Emits `event` with a SchedulerEvent.
 */
export class RenewalScheduler extends EventEmitter {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private lastWall = 0;
  private lastMono = 0;
  private lastRoots = 0;
  private readonly notified = new Set<string>();

  constructor(
    private readonly registry: Registry,
    private readonly renewals: RenewalService,
    private readonly o: SchedulerOptions,
  ) {
    super();
  }

  start(): void {
    const loop = (): void => {
      this.running = this.tick().finally(() => {
        if (this.timer !== undefined) this.timer = setTimeout(loop, this.o.tickMs ?? 30_000);
      });
    };
    this.timer = setTimeout(loop, 0);
  }

  /** Stops ticking and waits for a renewal in progress to finish (so nothing is left half-done). */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One look at the clock and every identity. */
  async tick(): Promise<void> {
    const now = this.o.clock();
    this.noticeJump(now);
    if (now.getTime() - this.lastRoots >= (this.o.rootsEveryMs ?? 6 * 3600_000)) await this.refreshRoots(now);
    const { identities } = await this.registry.read();
    for (const record of identities) {
      await this.visit(record, now).catch((e: unknown) => this.emitEvent({ type: 'warning', message: `${record.id}: ${toKeyportError(e).message}` }));
    }
  }

  private async visit(record: IdentityRecord, now: Date): Promise<void> {
    // An identity without settings is renewed by hand (export --csr, attach): it gets the reminders.
    const settings = record.renewal ?? MANUAL;
    const s = scheduleOf(record, settings);
    const left = s.notAfter.getTime() - now.getTime();
    this.notifyThresholds(record, settings.notifyBefore, left, s.notAfter);
    if (settings.provider.kind === 'manual') return;
    // An ACME order is authenticated by the account key, not the certificate: an expired one still renews.
    const renewsWhenExpired = settings.provider.kind === 'acme';
    if ((left <= 0 && !renewsWhenExpired) || settings.state.needsReenroll) {
      // Never sent to the CA: step-ca refuses an expired certificate in the handshake. Told once per run.
      if (!settings.state.needsReenroll) await this.renewals.setState(record.id, { needsReenroll: true });
      const key = `${record.id}:${record.chain[0]!.slice(-24)}:reenroll`;
      if (this.notified.has(key)) return;
      this.notified.add(key);
      const message = `Identity ${record.id} ("${record.label}") expired at ${s.notAfter.toISOString()} before it could be renewed; enroll it again (keyport enroll step-ca with a new token).`;
      this.emitEvent({ type: 'needs-reenroll', id: record.id, notAfter: s.notAfter.toISOString(), message });
      return;
    }
    if (now < s.nextRunAt) return;
    await this.renewNow(record, now, settings.state.failures);
  }

  private async renewNow(record: IdentityRecord, now: Date, failures: number): Promise<void> {
    try {
      const result = await this.renewals.renew(record.id);
      this.emitEvent({ type: 'renewed', ...result });
    } catch (e) {
      const err = toKeyportError(e);
      if (err.code === 'KEYPORT_RENEW_EXPIRED') {
        this.emitEvent({ type: 'needs-reenroll', id: record.id, notAfter: '', message: err.message });
        return;
      }
      const n = failures + 1;
      const delay = Math.min((this.o.retryMinMs ?? 30_000) * 2 ** (n - 1), this.o.retryMaxMs ?? 3600_000);
      const retryAt = new Date(now.getTime() + delay).toISOString();
      await this.renewals.setState(record.id, { failures: n, retryAfter: retryAt, lastAttemptAt: now.toISOString(), lastError: { code: err.code, message: err.message } });
      this.emitEvent({ type: 'renew-failed', id: record.id, code: err.code, message: err.message, failures: n, retryAt });
    }
  }

  /** Reminders at each threshold (and at expiry), once per certificate. */
  private notifyThresholds(record: IdentityRecord, thresholds: number[], leftMs: number, notAfter: Date): void {
    const key = (t: number | 'expired'): string => `${record.id}:${record.chain[0]!.slice(-24)}:${t}`;
    if (leftMs <= 0) {
      if (!this.notified.has(key('expired'))) this.emitEvent({ type: 'expired', id: record.id, notAfter: notAfter.toISOString() });
      this.notified.add(key('expired'));
      return;
    }
    const crossed = thresholds.filter((t) => leftMs <= t * 1000).sort((a, b) => a - b)[0];
    if (crossed !== undefined && !this.notified.has(key(crossed))) {
      for (const t of thresholds) if (t >= crossed) this.notified.add(key(t));
      this.emitEvent({ type: 'expiring', id: record.id, notAfter: notAfter.toISOString(), withinSeconds: crossed });
    }
  }

  /** A wall clock that moved much further than the monotonic one: the machine slept (or the clock was set). */
  private noticeJump(now: Date): void {
    const mono = performance.now();
    if (this.lastWall) {
      const skew = now.getTime() - this.lastWall - (mono - this.lastMono);
      if (Math.abs(skew) > Math.max(5_000, (this.o.tickMs ?? 30_000) * 2)) this.emitEvent({ type: 'clock-jump', seconds: Math.round(skew / 1000) });
    }
    this.lastWall = now.getTime();
    this.lastMono = mono;
  }

  private async refreshRoots(now: Date): Promise<void> {
    this.lastRoots = now.getTime();
    try {
      for (const r of await this.renewals.refreshRoots()) {
        if (r.added.length || r.removed.length) this.emitEvent({ type: 'roots-refreshed', name: r.name, added: r.added.length, removed: r.removed.length });
        for (const w of r.warnings) this.emitEvent({ type: 'warning', message: w });
      }
    } catch (e) {
      this.emitEvent({ type: 'warning', message: `roots refresh failed: ${toKeyportError(e).message}` });
    }
  }

  private emitEvent(e: SchedulerEvent): void {
    this.emit('event', e);
  }
}
