import { watchRegistry } from '../identities/watch';
import { watchFile } from '../watch-file';
import { AuditLog } from '../audit';
import { toKeyportError } from '../../shared/errors';
import { loadProxyConfigFile } from './config-file';
import { HttpForwardProxy } from './http-forward';
import { IdentityResolver, type IdentitySource } from './identity-resolver';
import type { ProxyConfig, RouteConfig } from './schema';
import { writeProxyState } from './state-file';
import { startStatusServer, type ProxyStatus, type StatusServer } from './status-server';
import { routeName, TcpRoute, type RouteDeps } from './tcp-route';

/** Something the proxy tells its host (the CLI prints these, the app shows them). */
export type ProxyEvent =
  | { type: 'listening'; route: string; address: string; upstream: string }
  | { type: 'reloaded'; routes: number }
  | { type: 'reload-failed'; code: string; message: string }
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

  private constructor(private readonly opts: ProxyOptions) {
    this.resolver = new IdentityResolver(opts.keyport);
    this.audit = opts.audit === false ? undefined : new AuditLog(opts.dataDir);
    this.deps = {
      resolver: this.resolver,
      audit: this.audit,
      allowNonLoopback: opts.config.allowNonLoopback,
      onFailure: (route, code, message) => opts.onEvent?.({ type: 'session-failed', route, code, message }),
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
    proxy.stops.push(watchRegistry(opts.dataDir, () => proxy.resolver.invalidate()));
    if (opts.configFile) proxy.stops.push(watchFile(opts.configFile, () => void proxy.reload()));
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

  /** Reads the configuration again (file or saved routes) and the registry; a bad file keeps the running config. */
  reload(): Promise<void> {
    this.reloading = this.reloading.then(() => this.reloadOnce());
    return this.reloading;
  }

  /** Stops listening and ends every connection; flushes the audit log. */
  async close(): Promise<void> {
    for (const stop of this.stops.splice(0).reverse()) await stop();
    await Promise.all([...this.routes.values()].map((r) => r.close(true)));
    this.routes.clear();
    await this.http?.close();
    this.http = undefined;
    await this.audit?.flush();
  }

  private async reloadOnce(): Promise<void> {
    this.resolver.invalidate();
    const at = new Date().toISOString();
    try {
      const next = this.opts.configFile ? await loadProxyConfigFile(this.opts.configFile) : await this.opts.loadConfig?.();
      if (next) await this.apply(next);
      this.lastReload = { at, result: 'ok' };
      this.opts.onEvent?.({ type: 'reloaded', routes: this.routes.size });
    } catch (e) {
      const err = toKeyportError(e);
      this.lastReload = { at, result: `${err.code}: ${err.message}` };
      this.opts.onEvent?.({ type: 'reload-failed', code: err.code, message: err.message });
    }
  }

  /** Every named identity must exist (a typo fails at start or refuses the reload, not each connection). */
  private async checkIdentities(config: ProxyConfig): Promise<void> {
    const named = new Set([...config.routes.map((r) => r.identity), ...(config.httpProxy?.rules ?? []).map((r) => r.identity)]);
    named.delete('auto');
    for (const query of named) await this.opts.keyport.record(query);
  }

  /** Makes the running listeners match `config`: new ones start, changed ones update, removed ones stop accepting. */
  private async apply(config: ProxyConfig): Promise<void> {
    await this.checkIdentities(config);
    const wanted = new Map<string, RouteConfig>(config.routes.map((r) => [routeName(r), r]));
    for (const [name, route] of this.routes) {
      if (!wanted.has(name)) {
        this.routes.delete(name);
        await route.close();
      }
    }
    for (const [name, cfg] of wanted) {
      const running = this.routes.get(name);
      if (running) {
        await running.update(cfg);
        continue;
      }
      const route = await TcpRoute.start(cfg, { ...this.deps, onConnection: this.opts.onConnection });
      this.routes.set(name, route);
      this.opts.onEvent?.({ type: 'listening', route: name, address: route.stats.listen, upstream: route.stats.upstream });
    }
    if (config.httpProxy && this.http) await this.http.update(config.httpProxy);
    else if (config.httpProxy) {
      this.http = await HttpForwardProxy.start(config.httpProxy, this.deps);
      this.opts.onEvent?.({ type: 'listening', route: 'http-proxy', address: this.http.stats.listen, upstream: 'per rule' });
    } else if (this.http) {
      await this.http.close();
      this.http = undefined;
    }
  }
}
