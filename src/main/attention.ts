/**
 * Which identities need the user's attention, as the tray menu and desktop notifications show
 * them. Electron-free so it is unit-tested.
 */
import type { IdentityView } from '../shared/identity';

/** One entry of the tray menu; the tray turns it into an Electron MenuItem. */
export type TrayItem =
  | { kind: 'open'; label: string }
  | { kind: 'identity'; label: string; id: string }
  | { kind: 'info'; label: string }
  | { kind: 'separator' }
  | { kind: 'quit'; label: string };

/** A desktop notification to show once; `key` says when it would be the same notice again. */
export interface Notice {
  key: string;
  title: string;
  body: string;
  id: string;
}

const DAY_MS = 86_400_000;

/** Expiring and expired identities, soonest first. */
export function needingAttention(identities: IdentityView[]): IdentityView[] {
  return identities
    .filter((i) => i.status === 'expiring' || i.status === 'expired')
    .sort((a, b) => Date.parse(a.notAfter) - Date.parse(b.notAfter));
}

/** "expires in 3 days", "expired 2 days ago", "expires today". */
export function expiryPhrase(notAfter: string, now = new Date()): string {
  const left = Date.parse(notAfter) - now.getTime();
  const days = Math.floor(Math.abs(left) / DAY_MS);
  const count = `${days} day${days === 1 ? '' : 's'}`;
  if (left <= 0) return days === 0 ? 'expired today' : `expired ${count} ago`;
  return days === 0 ? 'expires today' : `expires in ${count}`;
}

/** The tray menu: open, the identities needing attention (at most `max`), quit. */
export function trayMenuModel(identities: IdentityView[], now = new Date(), max = 8): TrayItem[] {
  const attention = needingAttention(identities);
  const items: TrayItem[] = [{ kind: 'open', label: 'Open Keyport' }, { kind: 'separator' }];
  if (attention.length === 0) items.push({ kind: 'info', label: 'All identities are valid' });
  for (const i of attention.slice(0, max)) items.push({ kind: 'identity', id: i.id, label: `${i.label} — ${expiryPhrase(i.notAfter, now)}` });
  if (attention.length > max) items.push({ kind: 'info', label: `and ${attention.length - max} more…` });
  items.push({ kind: 'separator' }, { kind: 'quit', label: 'Quit Keyport' });
  return items;
}

/** The tray's tooltip: a count of what needs attention. */
export function trayTooltip(identities: IdentityView[]): string {
  const n = needingAttention(identities).length;
  return n === 0 ? 'Keyport' : `Keyport — ${n} identit${n === 1 ? 'y needs' : 'ies need'} attention`;
}

/**
 * Notices for identities that became expiring or expired since the last call; `shown` remembers
 * what was already shown (one notice per identity and status).
 */
export function expiryNotices(identities: IdentityView[], shown: Set<string>, now = new Date()): Notice[] {
  const notices: Notice[] = [];
  for (const i of needingAttention(identities)) {
    const key = `${i.id}:${i.status}`;
    if (shown.has(key)) continue;
    shown.add(key);
    const title = i.status === 'expired' ? `${i.label} has expired` : `${i.label} expires soon`;
    notices.push({ key, id: i.id, title, body: `The certificate ${expiryPhrase(i.notAfter, now)}; renew it or import a new one.` });
  }
  return notices;
}
