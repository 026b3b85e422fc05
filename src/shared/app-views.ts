/**
 * What the contract's proxy, renewal and audit methods answer and what their events carry.
 * Plain types (no zod), so the renderer and the preload import them freely.
 */
import type { FilePayload } from './views';

/** A saved route as the Proxy screen edits it (`routes.add`, `routes.update`). */
export interface RouteInput {
  /** Unique among the saved routes; what the other route methods take. */
  name: string;
  /** `127.0.0.1:PORT` (loopback only) where local tools connect in plain TCP. */
  listen: string;
  /** `host:port` of the mTLS server. */
  upstream: string;
  /** Identity id or label. */
  identity: string;
  /** CA certificates the upstream's certificate must chain to (stored in the data dir); absent: the system's. */
  ca?: FilePayload[];
  servername?: string;
  alpn?: string[];
  maxConnections?: number;
  /** Seconds without a byte either way before a connection is closed; 0: never. */
  idleTimeout?: number;
}

/** Live counters of one running route or forward-proxy listener (src/core/proxy keeps them). */
export interface RouteStats {
  route: string;
  listen: string;
  upstream: string;
  active: number;
  total: number;
  bytesUp: number;
  bytesDown: number;
  handshakesFull: number;
  handshakesResumed: number;
  handshakeMsP50: number | null;
  handshakeMsP95: number | null;
  errors: Record<string, number>;
  /** The latest failure, in words: what the screens and `keyport proxy --status` show beside the counts. */
  lastError?: { at: string; code: string; message: string };
}

/** A saved route, with its counters while the proxy runs. */
export interface RouteView {
  name: string;
  listen: string;
  upstream: string;
  identity: string;
  /** Paths of the CA files in the data dir. */
  ca: string[];
  servername?: string;
  alpn?: string[];
  maxConnections: number;
  idleTimeout: number;
  stats?: RouteStats;
}

/** The saved HTTP forward proxy (set in proxy.yaml; shown, not edited, by the app). */
export interface ForwardProxyView {
  listen: string;
  /** In the order they are tried; `port` is the https port upstream when the URL names none (443). */
  rules: Array<{ host: string; identity: string; port?: number; ca: string[] }>;
}

/** What `routes.list` answers: the saved routes and whether this app runs them. */
export interface ProxyOverview {
  running: boolean;
  routes: RouteView[];
  /** The saved forward proxy, if proxy.yaml has one. */
  forwardProxy?: ForwardProxyView;
  /** The forward proxy's counters, when running. */
  httpProxy?: RouteStats;
  /** `ok` or the error of the last reload of proxy.yaml. */
  lastReload?: { at: string; result: string };
  /** Why the saved routes are not running, when the last start failed. */
  error?: { code: string; message: string };
}

/** `proxy.stats`: the running routes' counters, pushed about once a second while they change. */
export interface ProxyStatsEvent {
  running: boolean;
  routes: RouteStats[];
  httpProxy?: RouteStats;
}

/** `renewal.show`: an identity's renewal settings, schedule, last result and history. */
export interface RenewalInfo {
  id: string;
  label: string;
  /** false: no settings yet (the scheduler only reminds before expiry). */
  configured: boolean;
  notAfter: string;
  /** `step-ca` (caUrl), `acme` (directory, domains) or `manual`; absent when not configured. */
  provider?: { kind: 'step-ca'; caUrl: string } | { kind: 'acme'; directory: string; domains: string[] } | { kind: 'manual' };
  /** Share of the lifetime after which it renews. */
  at?: number;
  rekey?: boolean;
  /** Reminder thresholds before expiry, in seconds. */
  notifyBefore?: number[];
  /** When the scheduler renews; absent for manual identities. */
  nextRunAt?: string;
  lastAttemptAt?: string;
  lastSuccessAt?: string;
  lastError?: { code: string; message: string };
  failures: number;
  retryAfter?: string;
  needsReenroll: boolean;
  /** Certificates the identity had before, newest last. */
  history: Array<{ serial: string; notAfter: string; retiredAt: string; reason: string }>;
}

/** `renewal.renewNow`: the id never changes; the serial does. */
export interface RenewalOutcome {
  id: string;
  serial: string;
  previousSerial: string;
  notAfter: string;
  rekeyed: boolean;
}

/** `renewal.refreshRoots`: one CA's trust bundle after the refresh. */
export interface RootsRefreshView {
  name: string;
  caUrl: string;
  roots: number;
  added: number;
  removed: number;
  warnings: string[];
}

/** `renewal.notice`: what the renewal scheduler (src/core/enroll) tells the user; the app turns some into notifications. */
export type RenewalNotice =
  | { type: 'renewed'; id: string; serial: string; previousSerial: string; notAfter: string; rekeyed: boolean }
  | { type: 'renew-failed'; id: string; code: string; message: string; failures: number; retryAt: string }
  | { type: 'needs-reenroll'; id: string; notAfter: string; message: string }
  | { type: 'expiring'; id: string; notAfter: string; withinSeconds: number }
  | { type: 'expired'; id: string; notAfter: string }
  | { type: 'clock-jump'; seconds: number }
  | { type: 'roots-refreshed'; name: string; added: number; removed: number }
  | { type: 'warning'; message: string };

/** One upstream session of the audit log (no PIN, key or payload byte). */
export interface AuditEntryView {
  time: string;
  route: string;
  identity?: string;
  serial?: string;
  upstream: string;
  resumed: boolean;
  bytesUp: number;
  bytesDown: number;
  durationMs: number;
  /** `ok` or a KEYPORT_ error code. */
  result: string;
}
