import type { IdentityStatus } from '../../../shared/identity';

/** How urgent an expiry is, which picks its colour. */
export type ExpiryTone = 'success' | 'warning' | 'danger' | 'neutral';

/** An expiry countdown in words and the tone it is drawn in. */
export interface Expiry {
  /** Under an "Expires" heading: `in 3 days`, `2 hours ago`, `starts in 5 minutes`. */
  text: string;
  tone: ExpiryTone;
}

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 86_400_000],
  ['month', 30 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/** `ms` from now in the largest whole unit ("in 3 days", "2 hours ago"); under a minute is "now". */
export function relativeTime(ms: number): string {
  for (const [unit, size] of UNITS) {
    if (Math.abs(ms) >= size) return relative.format(Math.trunc(ms / size), unit);
  }
  return 'now';
}

/** The countdown for an identity: its status picks the tone, its dates the words. */
export function expiryOf(identity: { status: IdentityStatus; notBefore: string; notAfter: string }, now = Date.now()): Expiry {
  const untilEnd = Date.parse(identity.notAfter) - now;
  switch (identity.status) {
    case 'expired':
      return { text: relativeTime(untilEnd), tone: 'danger' };
    case 'not-yet-valid':
      return { text: `starts ${relativeTime(Date.parse(identity.notBefore) - now)}`, tone: 'neutral' };
    case 'expiring':
      return { text: relativeTime(untilEnd), tone: 'warning' };
    default:
      return { text: relativeTime(untilEnd), tone: 'success' };
  }
}

/** The status in words for a badge. */
export const STATUS_LABELS: Record<IdentityStatus, string> = {
  valid: 'Valid',
  expiring: 'Expiring',
  expired: 'Expired',
  'not-yet-valid': 'Not yet valid',
};
