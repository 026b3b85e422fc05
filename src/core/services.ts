import type { IdentityView, TokenModuleView } from '../shared/identity';
import type { AuditEntryView, ProxyOverview, RenewalInfo, RenewalOutcome, RootsRefreshView, RouteInput } from '../shared/app-views';
import type { ConnectionReport, Destination, EndpointView, ExportedFile, FilePayload, PendingKeyView, Settings } from '../shared/views';

/** `identities.import`; files are still base64 (the core decodes them). */
export interface ImportRequest {
  file: FilePayload;
  key?: FilePayload;
  password?: string;
  to: Destination;
  label?: string;
}

/** `keys.generate`. */
export interface KeygenRequest {
  to: Destination;
  algorithm: 'EC-P256' | 'EC-P384' | 'RSA-2048' | 'RSA-3072';
  subject: string;
  sans: string[];
  label?: string;
}

/** `connection.test`. */
export interface ConnectionTestRequest {
  url: string;
  /** An identity id or label, `auto`, or `none` (offer no certificate). */
  identity: string;
  ca: FilePayload[];
  servername?: string;
  method?: string;
  /** false: stop after the handshake. */
  http?: boolean;
  timeoutMs?: number;
}

/** `endpoints.add`. */
export interface NewEndpointRequest {
  name: string;
  url: string;
  identity?: string;
  servername?: string;
  method?: string;
  http?: boolean;
}

/** `identities.export`. */
export type ExportRequest =
  | { id: string; format: 'chain' }
  | { id: string; format: 'csr' }
  | { id: string; format: 'pkcs12'; password: string; legacy?: boolean };

/** `audit.list`: which entries the Audit screen asks for. */
export interface AuditQuery {
  /** An ISO 8601 time or a duration back from now (30m, 2h, 7d). */
  since?: string;
  /** Only this route's sessions. */
  route?: string;
  /** At most this many, the newest (default 500). */
  limit?: number;
}

/** `renewal.set`: where the identity renews from and when. */
export interface RenewalSettingsRequest {
  id: string;
  /** step-ca: `root` is the CA's root certificate (its /roots are fetched now, trusting it). */
  provider: { kind: 'step-ca'; caUrl: string; root: FilePayload } | { kind: 'manual' };
  at?: number;
  rekey?: boolean;
  notifyBefore?: number[];
}

/** Told how a slow operation is getting on (`decrypting`, `storing`, ...). */
export type ProgressReporter = (stage: string) => void;

/** A token by module path and label. */
export interface TokenRef {
  module: string;
  token: string;
}

/**
 * What the app (Electron main, `keyport serve`) can ask of Keyport's core: the contract's
 * dispatcher (src/shared/serve.ts) only maps requests onto these.
 */
export interface KeyportServices {
  listIdentities(): Promise<IdentityView[]>;
  showIdentity(id: string): Promise<IdentityView & { chainPem: string }>;
  removeIdentity(id: string): Promise<void>;
  importIdentity(request: ImportRequest, progress: ProgressReporter): Promise<string>;
  exportIdentity(request: ExportRequest): Promise<ExportedFile>;
  generateKey(request: KeygenRequest, progress: ProgressReporter): Promise<{ keyId: string; csr: string }>;
  pendingKeys(): Promise<PendingKeyView[]>;
  attachCertificate(keyId: string, certificate: FilePayload, label?: string): Promise<string>;
  listTokens(): Promise<TokenModuleView[]>;
  loginToken(token: TokenRef, pin: string): Promise<void>;
  logoutToken(token: TokenRef): Promise<void>;
  testConnection(request: ConnectionTestRequest): Promise<ConnectionReport>;
  listEndpoints(): Promise<EndpointView[]>;
  addEndpoint(request: NewEndpointRequest): Promise<EndpointView>;
  removeEndpoint(name: string): Promise<void>;
  /** Tests a saved endpoint (optionally with another identity) and records the result in its history. */
  testEndpoint(name: string, identity?: string): Promise<ConnectionReport>;
  getSettings(): Promise<Settings>;
  updateSettings(change: Partial<Settings>): Promise<Settings>;
  /** Hands a PIN to the operation waiting for it; false when no such request is waiting. */
  answerPin(requestId: string, pin: string): boolean;
  cancelPin(requestId: string): boolean;
  /** Files the OS asked the app to open, each handed out once (empty outside Electron). */
  takeOpenedFiles(): FilePayload[];
  /** The saved proxy routes (proxy.yaml in the data dir), with live counters while running. */
  listRoutes(): Promise<ProxyOverview>;
  addRoute(route: RouteInput): Promise<ProxyOverview>;
  /** Replaces the route called `name`; on failure the old one stays. */
  updateRoute(name: string, route: RouteInput): Promise<ProxyOverview>;
  removeRoute(name: string): Promise<ProxyOverview>;
  /** Runs the saved routes in this process, as `keyport daemon` does. */
  startRoutes(): Promise<ProxyOverview>;
  stopRoutes(): Promise<ProxyOverview>;
  /** The doctor's report on the saved route `name`'s upstream, as `keyport routes test NAME` gives it. */
  diagnoseRoute(name: string, http: boolean): Promise<ConnectionReport>;
  showRenewal(id: string): Promise<RenewalInfo>;
  setRenewal(request: RenewalSettingsRequest): Promise<RenewalInfo>;
  renewNow(id: string, rekey?: boolean): Promise<RenewalOutcome>;
  refreshRoots(): Promise<RootsRefreshView[]>;
  /** Audit log entries, newest first. */
  listAudit(query: AuditQuery): Promise<AuditEntryView[]>;
  close(): Promise<void>;
}
