/**
 * Renewal for the app: the scheduler runs here as in `keyport daemon` (started by the app, checked
 * again on resume), and the Renewal screen's methods map onto the enrollment service. Publishes
 * `renewal.changed` when settings, state or certificates change and `renewal.notice` for what the
 * scheduler has to say.
 */
import type { RenewalInfo, RenewalOutcome, RootsRefreshView } from '../../shared/app-views';
import type { EventHub } from '../../shared/events';
import type { Keyport } from '../app';
import { renewalView } from '../enroll/renewal-view';
import { RenewalScheduler, type SchedulerOptions } from '../enroll/scheduler';
import { parseCertificate } from '../pki/certificate';
import type { RenewalSettingsRequest } from '../services';
import { decodeFile } from './files';

/** The scheduler's timings (the daemon's defaults when absent). */
export type SchedulerTimings = Omit<SchedulerOptions, 'clock'>;

/** Renewal settings, renew-now, roots and the in-app scheduler. */
export class RenewalController {
  private scheduler: RenewalScheduler | undefined;

  constructor(
    private readonly keyport: Keyport,
    private readonly events: EventHub,
  ) {}

  /** Finishes what a crash left half-done, then renews on schedule until `stop()`. */
  async start(timings: SchedulerTimings = {}): Promise<void> {
    if (this.scheduler) return;
    await this.keyport.enrollment.journal.recover();
    const scheduler = new RenewalScheduler(this.keyport.registry, this.keyport.enrollment, { ...timings, clock: this.keyport.enrollment.clock });
    scheduler.on('event', (notice) => {
      this.events.emit('renewal.notice', notice);
      if ('id' in notice) this.events.emit('renewal.changed', { id: notice.id });
    });
    this.scheduler = scheduler;
    scheduler.start();
  }

  /** One scheduler pass now (resume from sleep); a no-op when the scheduler is not running. */
  async check(): Promise<void> {
    await this.scheduler?.tick();
  }

  /** Stops the scheduler after the renewal in progress, if any. */
  async stop(): Promise<void> {
    const scheduler = this.scheduler;
    this.scheduler = undefined;
    await scheduler?.stop();
  }

  /** An identity's renewal settings, schedule, last result and history. */
  async show(id: string): Promise<RenewalInfo> {
    const record = await this.keyport.record(id);
    if (!record.renewal) {
      const leaf = parseCertificate(Buffer.from(record.chain[0]!, 'base64'));
      return {
        id: record.id,
        label: record.label,
        configured: false,
        notAfter: leaf.notAfter.toISOString(),
        failures: 0,
        needsReenroll: false,
        history: record.history.map((h) => ({ serial: h.serial, notAfter: h.notAfter, retiredAt: h.retiredAt, reason: h.reason })),
      };
    }
    const view = renewalView(record);
    const p = view.provider;
    const { failures, needsReenroll, lastAttemptAt, lastSuccessAt, lastError, retryAfter } = view.state;
    return {
      id: view.id,
      label: view.label,
      configured: true,
      notAfter: view.notAfter,
      provider: p.kind === 'step-ca' ? { kind: 'step-ca', caUrl: p.caUrl } : p.kind === 'acme' ? { kind: 'acme', directory: p.directory, domains: p.domains } : { kind: 'manual' },
      at: view.at,
      rekey: view.rekey,
      notifyBefore: record.renewal.notifyBefore,
      ...(view.nextRunAt ? { nextRunAt: view.nextRunAt } : {}),
      ...(lastAttemptAt ? { lastAttemptAt } : {}),
      ...(lastSuccessAt ? { lastSuccessAt } : {}),
      ...(lastError ? { lastError } : {}),
      ...(retryAfter ? { retryAfter } : {}),
      failures,
      needsReenroll,
      history: view.history,
    };
  }

  /** Sets how an identity renews (step-ca: its roots are fetched now, trusting `root`). */
  async set(request: RenewalSettingsRequest): Promise<RenewalInfo> {
    const { id, provider, at, rekey, notifyBefore } = request;
    if (provider.kind === 'manual') await this.keyport.enrollment.configureManual(id, notifyBefore);
    else {
      await this.keyport.enrollment.configureStepCa(id, {
        caUrl: provider.caUrl,
        root: decodeFile(provider.root),
        ...(at !== undefined ? { at } : {}),
        ...(rekey !== undefined ? { rekey } : {}),
        ...(notifyBefore ? { notifyBefore } : {}),
      });
    }
    const info = await this.show(id);
    this.events.emit('renewal.changed', { id: info.id });
    return info;
  }

  /** Renews (or rekeys) now; the identity keeps its id and gets a new serial. */
  async renewNow(id: string, rekey?: boolean): Promise<RenewalOutcome> {
    const result = await this.keyport.enrollment.renew(id, rekey !== undefined ? { rekey } : {});
    this.events.emit('renewal.changed', { id: result.id });
    return result;
  }

  /** Fetches every CA's current roots into its trust bundle. */
  async refreshRoots(): Promise<RootsRefreshView[]> {
    const reports = await this.keyport.enrollment.refreshRoots();
    return reports.map((r) => ({ name: r.name, caUrl: r.caUrl, roots: r.roots.length, added: r.added.length, removed: r.removed.length, warnings: r.warnings }));
  }
}
