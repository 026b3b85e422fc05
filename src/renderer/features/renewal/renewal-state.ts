import type { RenewalInfo } from '../../../shared/app-views';
import type { BadgeTone } from '../../components/Badge';

/** Where an identity renews from, in words. */
export function providerText(info: RenewalInfo): string {
  const p = info.provider;
  if (!p) return 'not set up';
  if (p.kind === 'step-ca') return `step-ca at ${p.caUrl}`;
  if (p.kind === 'acme') return `ACME at ${p.directory}`;
  return 'manual';
}

/** An identity's renewal state as a badge: needs re-enroll, failing (backing off), manual, scheduled. */
export function renewalState(info: RenewalInfo): { tone: BadgeTone; label: string } {
  if (info.needsReenroll) return { tone: 'danger', label: 'Needs re-enroll' };
  if (info.lastError || info.failures > 0) return { tone: 'warning', label: `Failing (${info.failures}×)` };
  if (info.provider?.kind === 'manual') return { tone: 'neutral', label: 'Manual' };
  return { tone: 'success', label: 'Scheduled' };
}

/** Whether "Renew now" applies: a provider that issues (step-ca or ACME). */
export function canRenew(info: RenewalInfo): boolean {
  return Boolean(info.configured && info.provider && info.provider.kind !== 'manual');
}

/** A time as the locale shows it, or a dash. */
export const when = (iso?: string): string => (iso ? new Date(iso).toLocaleString() : '—');
