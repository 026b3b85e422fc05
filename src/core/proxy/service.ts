import { watchRegistry } from '../identities/watch';
import { watchFile } from '../watch-file';
import { AuditLog } from '../audit';
import { toKeyportError } from '../../shared/errors';
import { caFilesOf } from './ca-files';
import { FailureThrottle } from './failure-throttle';
import { loadProxyConfigFile } from './config-file';
import { HttpForwardProxy } from './http-forward';
import { IdentityResolver, requireIdentity, type IdentitySource } from './identity-resolver';
import { addressKeys, sameAddress, type ListenAddress, type StagedChange } from './listen';
import { orderMoves } from './move-order';
import { routeName, type HttpProxyConfig, type ProxyConfig, type RouteConfig } from './schema';
import { writeProxyState } from './state-file';
import { startStatusServer, type ProxyStatus, type StatusServer } from './status-server';
import { TcpRoute, type RouteDeps } from './tcp-route';

/** Something the proxy tells its host (the CLI prints these, the app shows them). */
export type ProxyEvent =
  | { type: 'listening'; route: string; address: string; upstream: string }
  | { type: 'reloaded'; routes: number }
  | { type: 'reload-failed'; code: string; message: string }
  /** Saved routes that could not start (`keyport daemon`): tried again when their file or a CA file it names changes. */
  | { type: 'start-failed'; code: string; message: string }
  | { type: 'status'; url: string }
  | { type: 'session-failed'; route: string; code: string; message: string }
  | { type: 'pin-required'; module: string; token: string };

/** How to start a proxy. */
export interface ProxyOptions {
  keyport: IdentitySource;
  /** The data dir: audit log, state file (for `keyport proxy --status`), the registry to watch. */
  dataDir: string;
  config: ProxyConfig;
  /** The file `config` came from: watched, and read again on reload() (SIGHUP). */
  configFile?: string;
  /** Read on reload() when there is no file (the saved routes in the data dir). */
  loadConfig?: () => Promise<ProxyConfig>;
  /** Write the audit log (default true). */
  audit?: boolean;
  onEvent?: (e: ProxyEvent) => void;
  /** Called after each proxied connection starts (the PIN vault's idle clock). */
  onConnection?: () => void;
}

/**
 * A running proxy: TCP routes, the optional HTTP forward proxy and the status endpoint.
 * A registry change or a changed configuration file applies to new connections within a second
 * (open ones keep going); reload() does the same at once (SIGHUP in the CLI).
 */
export class ProxyService {
  private readonly routes = new Map<string, TcpRoute>();
  private http: HttpForwardProxy | undefined;
  private status!: StatusServer;
  private readonly resolver: IdentityResolver;
  private readonly deps: RouteDeps;
  private readonly audit: AuditLog | undefined;
  private readonly stops: Array<() => void | Promise<void>> = [];
  private readonly startedAt = new Date().toISOString();
  private lastReload: ProxyStatus['lastReload'];
  private reloading: Promise<void> = Promise.resolve();
  /** The running configuration, applied again when a CA file it names changes. */
  private config: ProxyConfig;
  private readonly caWatches = new Map<string, () => void>();
  private readonly failures: FailureThrottle;

  private constructor(private readonly opts: ProxyOptions) {
    this.config = opts.config;
    this.failures = new FailureThrottle((route, code, message) => opts.onEvent?.({ type: 'session-failed', route, code, message }));
    this.resolver = new IdentityResolver(opts.keyport);
    this.audit = opts.audit === false ? undefined : new AuditLog(opts.dataDir);
    this.deps = {
      resolver: this.resolver,
      audit: this.audit,
      allowNonLoopback: opts.config.allowNonLoopback,
      onFailure: (route, code, message) => this.failures.report(route, code, message),
    };
  }

  /** Starts every listener; on any failure the ones already started are closed and the error thrown. */
  static async start(opts: ProxyOptions): Promise<ProxyService> {
    const proxy = new ProxyService(opts);
    try {
      await proxy.apply(opts.config);
      proxy.status = await startStatusServer(opts.config.statusPort ?? 0, () => proxy.snapshot());
      const removeState = await writeProxyState(opts.dataDir, { pid: process.pid, statusPort: proxy.status.port, token: proxy.status.token, startedAt: proxy.startedAt });
      proxy.stops.push(removeState, () => proxy.status.close());
    } catch (e) {
      await proxy.close();
      throw e;
    }
    proxy.stops.push(watchRegistry(opts.dataDir, () => proxy.registryChanged()));
    if (opts.configFile) proxy.stops.push(watchFile(opts.configFile, () => void proxy.reload()));
    proxy.watchCaFiles();
    proxy.stops.push(() => proxy.unwatchCaFiles());
    opts.onEvent?.({ type: 'status', url: proxy.statusUrl });
    return proxy;
  }

  /** `http://127.0.0.1:PORT/TOKEN` (add /status or /metrics). */
  get statusUrl(): string {
    return `http://127.0.0.1:${this.status.port}/${this.status.token}`;
  }

  /** The bound port of a route, by name or listen address. */
  routePort(name: string): number | undefined {
    return this.routes.get(name)?.port;
  }

  get httpProxyPort(): number | undefined {
    return this.http?.port;
  }

  /** What `/status` shows. */
  snapshot(): ProxyStatus {
    return {
      pid: process.pid,
      startedAt: this.startedAt,
      routes: [...this.routes.values()].map((r) => r.stats.view()),
      ...(this.http ? { httpProxy: this.http.stats.view() } : {}),
      ...(this.lastReload ? { lastReload: this.lastReload } : {}),
    };
  }

  /** New connections load identities again (a renewed certificate); open ones keep theirs. */
  private registryChanged(): void {
    this.resolver.invalidate();
    for (const route of this.routes.values()) route.registryChanged();
    this.http?.registryChanged();
  }

  /** Reads the configuration again (file or saved routes) and the registry; a bad file keeps the running config. */
  reload(): Promise<void> {
    this.reloading = this.reloading.then(() => this.reloadOnce());
    return this.reloading;
  }

  /**
   * Forgets every session ticket and pooled upstream session (on lock: tokens logged out, PINs
   * forgotten), so no new connection is authenticated as the identity again until its key signs, with
   * a PIN where it needs one. Connections already open keep going.
   */
  forgetSessions(): void {
    for (const r of this.routes.values()) r.forgetSessions();
    this.http?.forgetSessions();
  }

  /** Stops listening and ends every connection; closes the audit log. */
  async close(): Promise<void> {
    for (const stop of this.stops.splice(0).reverse()) await stop();
    await Promise.all([...this.routes.values()].map((r) => r.close(true)));
    this.routes.clear();
    await this.http?.close();
    this.http = undefined;
    this.failures.stop();
    this.audit?.close();
  }

  private async reloadOnce(): Promise<void> {
    this.resolver.invalidate();
    const at = new Date().toISOString();
    try {
      // Without a file to read again, the running configuration is applied again (its CA files re-read).
      const next = (this.opts.configFile ? await loadProxyConfigFile(this.opts.configFile) : await this.opts.loadConfig?.()) ?? this.config;
      await this.apply(next);
      this.config = next;
      this.watchCaFiles();
      this.lastReload = { at, result: 'ok' };
      this.opts.onEvent?.({ type: 'reloaded', routes: this.routes.size });
    } catch (e) {
      const err = toKeyportError(e);
      this.lastReload = { at, result: `${err.code}: ${err.message}` };
      this.opts.onEvent?.({ type: 'reload-failed', code: err.code, message: err.message });
    }
  }

  /**
   * Watches every CA file the configuration names: a trust bundle rewritten by `keyport roots refresh`
   * (root rotation) reaches new connections without a restart, as a reload.
   */
  private watchCaFiles(): void {
    const files = new Set(caFilesOf(this.config));
    for (const [file, stop] of this.caWatches) {
      if (files.has(file)) continue;
      stop();
      this.caWatches.delete(file);
    }
    for (const file of files) if (!this.caWatches.has(file)) this.caWatches.set(file, watchFile(file, () => void this.reload()));
  }

  private unwatchCaFiles(): void {
    for (const stop of this.caWatches.values()) stop();
    this.caWatches.clear();
  }

  /** Every named identity must exist (a typo fails at start or refuses the reload, not each connection), naming its route or rule. */
  private async checkIdentities(config: ProxyConfig): Promise<void> {
    const named = [
      ...config.routes.map((r) => ({ what: `route ${routeName(r)}`, identity: r.identity })),
      ...(config.httpProxy?.rules ?? []).map((r) => ({ what: `the HTTP proxy's rule host=${r.host}`, identity: r.identity })),
    ];
    for (const { what, identity } of named) await requireIdentity(this.opts.keyport, identity, what);
  }

  /**
   * Makes the running listeners match `config`: new ones start, changed ones update (moving to a new
   * address if it changed), removed ones stop accepting. Whatever can fail (identities, CA files,
   * binding new addresses) is prepared before anything running changes, so a refused reload leaves
   * the proxy as it was; open connections keep going either way.
   */
  private async apply(config: ProxyConfig): Promise<void> {
    await this.checkIdentities(config);
    const wanted = new Map<string, RouteConfig>(config.routes.map((r) => [routeName(r), r]));
    const changes = [...wanted].map(([name, cfg]) => ({ name, listen: cfg.listen, stage: () => this.stageRoute(name, cfg) }));
    const http = config.httpProxy;
    if (http) changes.push({ name: 'http-proxy', listen: http.listen, stage: () => this.stageHttp(http) });
    // An address a removed or moving listener holds is free only once it let go (after the commit):
    // what moves onto one waits, in an order where each holder has moved away first.
    const key = await addressKeys([...changes.map((c) => c.listen), ...this.boundAddresses()]);
    const letGo = this.addressesLetGo(wanted, http, key);
    const waiting = orderMoves(
      changes.flatMap((c) => {
        const holder = letGo.get(key(c.listen));
        return holder === undefined ? [] : [{ ...c, holder }];
      }),
    );
    const staged: StagedChange[] = [];
    try {
      for (const c of changes) if (!letGo.has(key(c.listen))) staged.push(await c.stage());
    } catch (e) {
      for (const s of staged) s.abort();
      throw e;
    }
    await this.closeUnwanted(wanted, http !== undefined);
    for (const s of staged) s.commit();
    // Not rolled back: this fails only when another process took a freed port in this moment.
    for (const move of waiting) (await move.stage()).commit();
  }

  private boundAddresses(): ListenAddress[] {
    return [...[...this.routes.values()].map((r) => r.address), ...(this.http ? [this.http.address] : [])];
  }

  /** The bound addresses (by `key`) of listeners that go away or move in this reload, and whose they are. */
  private addressesLetGo(wanted: Map<string, RouteConfig>, httpProxy: HttpProxyConfig | undefined, key: (a: ListenAddress) => string): Map<string, string> {
    const letGo = new Map<string, string>();
    const stays = (l: TcpRoute | HttpForwardProxy, next: ListenAddress | undefined) => next !== undefined && (sameAddress(l.listen, next) || key(next) === key(l.address));
    for (const [name, route] of this.routes) if (!stays(route, wanted.get(name)?.listen)) letGo.set(key(route.address), name);
    if (this.http && !stays(this.http, httpProxy?.listen)) letGo.set(key(this.http.address), 'http-proxy');
    return letGo;
  }

  /** A route's change, or a new route already listening (announced, and kept, on commit). */
  private async stageRoute(name: string, cfg: RouteConfig): Promise<StagedChange> {
    const running = this.routes.get(name);
    if (running) return this.announcingMove(name, running, cfg.listen, await running.stage(cfg));
    const route = await TcpRoute.start(cfg, { ...this.deps, onConnection: this.opts.onConnection });
    return {
      commit: () => {
        this.routes.set(name, route);
        this.announce(name, route);
      },
      abort: () => void route.close(true),
    };
  }

  private async stageHttp(cfg: HttpProxyConfig): Promise<StagedChange> {
    if (this.http) return this.announcingMove('http-proxy', this.http, cfg.listen, await this.http.stage(cfg));
    const http = await HttpForwardProxy.start(cfg, this.deps);
    return {
      commit: () => {
        this.http = http;
        this.announce('http-proxy', http);
      },
      abort: () => void http.close(),
    };
  }

  /** `change`, followed by a listening event when it moves `listener` to another address. */
  private announcingMove(name: string, listener: TcpRoute | HttpForwardProxy, listen: ListenAddress, change: StagedChange): StagedChange {
    const moves = !sameAddress(listener.listen, listen);
    return {
      commit: () => {
        change.commit();
        if (moves) this.announce(name, listener);
      },
      abort: () => change.abort(),
    };
  }

  private announce(name: string, listener: TcpRoute | HttpForwardProxy): void {
    this.opts.onEvent?.({ type: 'listening', route: name, address: listener.stats.listen, upstream: listener.stats.upstream });
  }

  /** Removed listeners stop accepting; what they accepted runs on (a forward proxy's until its requests are answered). */
  private async closeUnwanted(wanted: Map<string, RouteConfig>, httpWanted: boolean): Promise<void> {
    for (const [name, route] of this.routes) {
      if (wanted.has(name)) continue;
      this.routes.delete(name);
      await route.close();
    }
    if (!httpWanted && this.http) {
      await this.http.close(false);
      this.http = undefined;
    }
  }
}

