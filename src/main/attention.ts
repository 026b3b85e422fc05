/**
 * Which identities and proxy routes need the user's attention, as the tray menu and desktop
 * notifications show them. Electron-free so it is unit-tested.
 */
import type { ProxyStatsEvent, RenewalNotice } from '../shared/app-views';
import type { IdentityView } from '../shared/identity';

/** One entry of the tray menu; the tray turns it into an Electron MenuItem. */
export type TrayItem =
  | { kind: 'open'; label: string }
  | { kind: 'identity'; label: string; id: string }
  | { kind: 'info'; label: string }
  | { kind: 'proxy'; label: string; action: 'start' | 'stop' }
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

/** "Proxy: 2 routes running, 3 connections open", or that it is stopped. */
export function proxyPhrase(proxy: ProxyStatsEvent): string {
  if (!proxy.running) return 'Proxy: stopped';
  const routes = proxy.routes.length + (proxy.httpProxy ? 1 : 0);
  const open = [...proxy.routes, ...(proxy.httpProxy ? [proxy.httpProxy] : [])].reduce((n, r) => n + r.active, 0);
  return `Proxy: ${routes} route${routes === 1 ? '' : 's'} running, ${open} connection${open === 1 ? '' : 's'} open`;
}

/**
 * The tray menu: open, the proxy's state with start/stop (when known), the identities needing
 * attention (at most `max`), quit.
 */
export function trayMenuModel(identities: IdentityView[], now = new Date(), max = 8, proxy?: ProxyStatsEvent): TrayItem[] {
  const attention = needingAttention(identities);
  const items: TrayItem[] = [{ kind: 'open', label: 'Open Keyport' }, { kind: 'separator' }];
  if (proxy) {
    items.push({ kind: 'info', label: proxyPhrase(proxy) });
    items.push(proxy.running ? { kind: 'proxy', label: 'Stop routes', action: 'stop' } : { kind: 'proxy', label: 'Start routes', action: 'start' });
    items.push({ kind: 'separator' });
  }
  if (attention.length === 0) items.push({ kind: 'info', label: 'All identities are valid' });
  for (const i of attention.slice(0, max)) items.push({ kind: 'identity', id: i.id, label: `${i.label} — ${expiryPhrase(i.notAfter, now)}` });
  if (attention.length > max) items.push({ kind: 'info', label: `and ${attention.length - max} more…` });
  items.push({ kind: 'separator' }, { kind: 'quit', label: 'Quit Keyport' });
  return items;
}

/** The tray's tooltip: a count of what needs attention, and the proxy's state while it runs. */
export function trayTooltip(identities: IdentityView[], proxy?: ProxyStatsEvent): string {
  const n = needingAttention(identities).length;
  const base = n === 0 ? 'Keyport' : `Keyport — ${n} identit${n === 1 ? 'y needs' : 'ies need'} attention`;
  return proxy?.running ? `${base}\n${proxyPhrase(proxy)}` : base;
}

/**
 * The desktop notification for a scheduler notice that needs the user: a renewal that failed (it
 * retries by itself, but the user may need to fix the CA or the network) and an identity that can
 * only be enrolled again. `label` names the identity. Other notices are for the log and the page.
 */
export function renewalNotification(notice: RenewalNotice, label: string): Notice | undefined {
  if (notice.type === 'renew-failed') {
    return {
      key: `${notice.id}:renew-failed:${notice.failures}`,
      id: notice.id,
      title: `Renewing ${label} failed`,
      body: `${notice.message} Keyport retries at ${new Date(notice.retryAt).toLocaleTimeString()}.`,
    };
  }
  if (notice.type === 'needs-reenroll') {
    return { key: `${notice.id}:reenroll`, id: notice.id, title: `${label} needs a new enrollment`, body: notice.message };
  }
  return undefined;
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

/**
 * Failures that are the proxy doing its job or the peer's ordinary behaviour, not something to fix:
 * a browser's requests for hosts no rule names, clients leaving, idle timeouts, a stop, a server
 * closing without close_notify (many do). A token's PIN has its own prompt.
 */
const QUIET_ROUTE_ERRORS = new Set([
  'KEYPORT_PROXY_HOST_NOT_ROUTED',
  'KEYPORT_PROXY_CONNECT_REFUSED',
  'KEYPORT_PROXY_CLIENT_RESET',
  'KEYPORT_PROXY_IDLE_TIMEOUT',
  'KEYPORT_PROXY_STOPPED',
  'KEYPORT_TLS_CLOSED',
  'KEYPORT_PIN_REQUIRED',
]);

/** The same route and error code are notified again only after this long (a client retrying in a loop must not flood the desktop). */
export const ROUTE_NOTICE_EVERY_MS = 10 * 60_000;

/** A desktop notification about a proxy route; clicking it shows the Proxy screen. */
export interface RouteNotice {
  key: string;
  title: string;
  body: string;
}

/**
 * Notices for routes whose connections fail with an error worth fixing, from each route's last
 * error (`proxy.stats`): once per route and code, then again only for a failure after
 * ROUTE_NOTICE_EVERY_MS. `notified` remembers when each route and code was notified.
 */
export function routeFailureNotices(proxy: ProxyStatsEvent, notified: Map<string, number>, nowMs = Date.now()): RouteNotice[] {
  const notices: RouteNotice[] = [];
  for (const r of [...proxy.routes, ...(proxy.httpProxy ? [proxy.httpProxy] : [])]) {
    const last = r.lastError;
    if (!last || QUIET_ROUTE_ERRORS.has(last.code)) continue;
    const key = `${r.route}:${last.code}`;
    const before = notified.get(key);
    if (before !== undefined && Date.parse(last.at) < before + ROUTE_NOTICE_EVERY_MS) continue;
    notified.set(key, nowMs);
    notices.push({ key, title: `Connections through ${r.route} fail`, body: last.message });
  }
  return notices;
}
