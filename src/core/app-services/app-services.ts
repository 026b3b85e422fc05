/**
 * The core as the desktop app and `keyport serve` use it: Keyport plus what a UI needs around
 * it — PINs asked through the UI (PinBroker), settings, the idle logout, change events that work
 * across processes (registry watch, token poll) and files the OS opened. The contract's
 * dispatcher maps each request onto one method here.
 */
import type { AuditEntryView, ProxyOverview, RenewalInfo, RenewalOutcome, RootsRefreshView, RouteInput } from '../../shared/app-views';
import type { EventHub } from '../../shared/events';
import type { IdentityView, TokenModuleView } from '../../shared/identity';
import type { ConnectionReport, EndpointView, ExportedFile, FilePayload, PendingKeyView, Settings } from '../../shared/views';
import path from 'node:path';
import { Keyport, type KeyportOptions } from '../app';
import { AUDIT_FILE } from '../audit';
import { readIdentitySource } from '../identities/import-source';
import { keyStoreView } from '../identities/view';
import { watchRegistry } from '../identities/watch';
import { readCertificates } from '../pki/pem';
import { EndpointStore } from '../probe/endpoints/store';
import { watchFile } from '../watch-file';
import type {
  AuditQuery,
  ConnectionTestRequest,
  ExportRequest,
  ImportRequest,
  KeygenRequest,
  KeyportServices,
  NewEndpointRequest,
  ProgressReporter,
  RenewalSettingsRequest,
  TokenRef,
} from '../services';
import { listAudit } from './audit';
import { testConnection } from './connection-test';
import { addEndpoint, endpointView, testEndpoint } from './endpoints';
import { decodeFile, downloadName } from './files';
import { IdleLogout } from './idle-logout';
import { PinBroker } from './pin-broker';
import { RenewalController, type SchedulerTimings } from './renewal';
import { RoutesController } from './routes';
import { SettingsStore } from './settings-store';
import { watchTokens } from './token-watch';

/** How to open the app's core. */
export interface AppServicesOptions extends Omit<KeyportOptions, 'pin'> {
  /** Where change events, PIN requests and progress are published. */
  events: EventHub;
  /** How long a PIN request waits for the UI (default 2 minutes). */
  pinTimeoutMs?: number;
  /** Token slot list poll interval (default 1 s). */
  tokenPollMs?: number;
  /** Told about background failures (a logout that failed), for the app's log. */
  onError?: (error: unknown) => void;
}

/** Keyport's core behind the UI contract. Call `close()` to stop its watchers and token host. */
export class AppServices implements KeyportServices {
  readonly keyport: Keyport;
  readonly pins: PinBroker;
  readonly settings: SettingsStore;
  readonly idle: IdleLogout;
  readonly endpoints: EndpointStore;
  readonly routes: RoutesController;
  readonly renewal: RenewalController;
  private readonly events: EventHub;
  private readonly openedFiles: FilePayload[] = [];
  private readonly stopWatches: Array<() => void> = [];

  constructor(options: AppServicesOptions) {
    const { events, pinTimeoutMs, tokenPollMs, onError = () => {}, ...keyportOptions } = options;
    this.events = events;
    this.pins = new PinBroker(events, pinTimeoutMs);
    this.keyport = new Keyport({ ...keyportOptions, pin: this.pins.source });
    this.settings = new SettingsStore(options.dataDir);
    this.endpoints = new EndpointStore(options.dataDir);
    this.routes = new RoutesController(this.keyport, options.dataDir, events);
    this.renewal = new RenewalController(this.keyport, events);
    this.idle = new IdleLogout(async () => {
      this.routes.forgetSessions(); // else a resumed session would still authenticate as you, without the key
      await this.keyport.logoutAll();
      events.emit('tokens.changed', {});
    }, onError);
    // The registry holds renewal settings and state too (`keyport renew`, `renewal set`, a daemon).
    this.stopWatches.push(
      watchRegistry(options.dataDir, () => {
        events.emit('identities.changed', { change: 'updated' });
        events.emit('renewal.changed', {});
      }),
    );
    // Sessions of routes run here or by `keyport daemon`/`keyport proxy` on this data dir.
    this.stopWatches.push(watchFile(path.join(options.dataDir, AUDIT_FILE), () => events.emit('audit.changed', {})));
    // `keyport endpoints add` and `keyport test NAME` in another process change this file too.
    this.stopWatches.push(watchFile(this.endpoints.file, () => events.emit('endpoints.changed', {})));
    if (this.keyport.modules.length > 0) {
      this.stopWatches.push(watchTokens(() => this.keyport.listTokens(), () => events.emit('tokens.changed', {}), tokenPollMs));
    }
    void this.settings.read().then((s) => this.idle.setTimeoutMinutes(s.pinIdleTimeoutMinutes), onError);
  }

  listIdentities(): Promise<IdentityView[]> {
    return this.keyport.listIdentities();
  }

  showIdentity(id: string): Promise<IdentityView & { chainPem: string }> {
    return this.keyport.showIdentity(id);
  }

  removeIdentity(id: string): Promise<void> {
    return this.usingTokens(() => this.keyport.removeIdentity(id));
  }

  importIdentity(request: ImportRequest, progress: ProgressReporter): Promise<string> {
    return this.usingTokens(async () => {
      progress('decrypting');
      const source = await readIdentitySource({
        name: request.file.name,
        data: decodeFile(request.file),
        key: request.key && { name: request.key.name, data: decodeFile(request.key) },
        password: request.password,
      });
      progress('storing');
      return this.keyport.identities.add({ ...source, to: request.to, label: request.label ?? source.friendlyName });
    });
  }

  exportIdentity(request: ExportRequest): Promise<ExportedFile> {
    return this.usingTokens(async () => {
      const { label } = await this.keyport.record(request.id);
      if (request.format === 'chain') {
        return { fileName: downloadName(label, '.chain.pem'), mediaType: 'application/x-pem-file', encoding: 'utf8', data: await this.keyport.chainPem(request.id) };
      }
      if (request.format === 'csr') {
        return { fileName: downloadName(label, '.csr'), mediaType: 'application/pkcs10', encoding: 'utf8', data: await this.keyport.csrFor(request.id) };
      }
      const p12 = await this.keyport.exportPkcs12(request.id, request.password, request.legacy === true);
      return { fileName: downloadName(label, '.p12'), mediaType: 'application/x-pkcs12', encoding: 'base64', data: p12.toString('base64') };
    });
  }

  generateKey(request: KeygenRequest, progress: ProgressReporter): Promise<{ keyId: string; csr: string }> {
    return this.usingTokens(() => {
      progress('generating');
      return this.keyport.identities.keygen(request);
    });
  }

  async pendingKeys(): Promise<PendingKeyView[]> {
    const { pendingKeys } = await this.keyport.registry.read();
    return pendingKeys.map((p) => ({
      keyId: p.id,
      algorithm: p.algorithm,
      subject: p.subject,
      sans: p.sans,
      keyStore: keyStoreView(p.key),
      createdAt: p.createdAt,
    }));
  }

  attachCertificate(keyId: string, certificate: FilePayload, label?: string): Promise<string> {
    return this.usingTokens(() => {
      const certs = readCertificates(decodeFile(certificate), `certificate file ${certificate.name}`);
      return this.keyport.identities.attach(keyId, certs, label);
    });
  }

  listTokens(): Promise<TokenModuleView[]> {
    return this.keyport.listTokens();
  }

  loginToken(token: TokenRef, pin: string): Promise<void> {
    return this.usingTokens(() => this.keyport.loginToken(token, pin));
  }

  logoutToken(token: TokenRef): Promise<void> {
    return this.keyport.logoutToken(token);
  }

  testConnection(request: ConnectionTestRequest): Promise<ConnectionReport> {
    return this.usingTokens(() => testConnection(this.keyport, request));
  }

  async listEndpoints(): Promise<EndpointView[]> {
    return (await this.endpoints.list()).map(endpointView);
  }

  addEndpoint(request: NewEndpointRequest): Promise<EndpointView> {
    return addEndpoint(this.endpoints, request);
  }

  removeEndpoint(name: string): Promise<void> {
    return this.endpoints.remove(name);
  }

  testEndpoint(name: string, identity?: string): Promise<ConnectionReport> {
    return this.usingTokens(() => testEndpoint(this.keyport, this.endpoints, name, identity));
  }

  getSettings(): Promise<Settings> {
    return this.settings.read();
  }

  async updateSettings(change: Partial<Settings>): Promise<Settings> {
    const settings = await this.settings.update(change);
    this.idle.setTimeoutMinutes(settings.pinIdleTimeoutMinutes);
    return settings;
  }

  answerPin(requestId: string, pin: string): boolean {
    return this.pins.answer(requestId, pin);
  }

  cancelPin(requestId: string): boolean {
    return this.pins.cancel(requestId);
  }

  /** Queues a file the OS opened with Keyport and tells the UI (`app.filesOpened`). */
  offerFile(file: FilePayload): void {
    this.openedFiles.push(file);
    this.events.emit('app.filesOpened', {});
  }

  takeOpenedFiles(): FilePayload[] {
    return this.openedFiles.splice(0);
  }

  listRoutes(): Promise<ProxyOverview> {
    return this.routes.list();
  }

  addRoute(route: RouteInput): Promise<ProxyOverview> {
    return this.routes.add(route);
  }

  updateRoute(name: string, route: RouteInput): Promise<ProxyOverview> {
    return this.routes.update(name, route);
  }

  removeRoute(name: string): Promise<ProxyOverview> {
    return this.routes.remove(name);
  }

  startRoutes(): Promise<ProxyOverview> {
    return this.usingTokens(() => this.routes.start());
  }

  stopRoutes(): Promise<ProxyOverview> {
    return this.routes.stop();
  }

  diagnoseRoute(name: string, http: boolean): Promise<ConnectionReport> {
    return this.usingTokens(() => this.routes.diagnose(name, http));
  }

  showRenewal(id: string): Promise<RenewalInfo> {
    return this.renewal.show(id);
  }

  setRenewal(request: RenewalSettingsRequest): Promise<RenewalInfo> {
    return this.renewal.set(request);
  }

  renewNow(id: string, rekey?: boolean): Promise<RenewalOutcome> {
    return this.usingTokens(() => this.renewal.renewNow(id, rekey));
  }

  refreshRoots(): Promise<RootsRefreshView[]> {
    return this.renewal.refreshRoots();
  }

  listAudit(query: AuditQuery): Promise<AuditEntryView[]> {
    return listAudit(this.keyport.registry.dataDir, query);
  }

  /**
   * What the desktop app runs besides the window, as `keyport daemon` does: the renewal scheduler
   * and the saved proxy routes. A route that cannot start is reported by `routes.list`, not thrown.
   */
  async startBackground(timings?: SchedulerTimings): Promise<void> {
    await this.renewal.start(timings);
    await this.routes.start().catch(() => undefined);
  }

  /** Logs out of every token now (screen lock, suspend). */
  lockTokens(): Promise<void> {
    return this.idle.lockNow();
  }

  /** Stops the routes and the scheduler first: both use token keys, so they go before the token host. */
  async close(): Promise<void> {
    await Promise.all([this.routes.close(), this.renewal.stop()]);
    this.stopWatches.splice(0).forEach((stop) => stop());
    this.idle.stop();
    this.pins.cancelAll();
    await this.keyport.close();
  }

  /** Runs an operation that may use a token key; the idle clock restarts when it ends. */
  private async usingTokens<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } finally {
      this.idle.touch();
    }
  }
}
