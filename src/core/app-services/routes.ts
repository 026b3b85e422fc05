/**
 * The app's proxy: runs the routes saved in the data dir (proxy.yaml, shared with `keyport routes`
 * and `keyport daemon`) through the proxy's entry point, edits them for the Proxy screen, and
 * publishes `routes.changed` and `proxy.stats`.
 */
import type { ProxyOverview, ProxyStatsEvent, RouteInput } from '../../shared/app-views';
import type { ConnectionReport } from '../../shared/views';
import { KeyportError, toKeyportError, type ErrorCode } from '../../shared/errors';
import type { EventHub } from '../../shared/events';
import type { Keyport } from '../app';
import { addSavedRoute, checkRoute, diagnoseRoute, findSavedRoute, loadSavedRoutes, removeSavedRoute, replaceSavedRoute, routeName, savedRoutesFile, startConfiguredProxy, type ProxyService } from '../proxy';
import { watchFile } from '../watch-file';
import { forwardProxyView, removeRouteCaFiles, routeConfig, routeView } from './route-config';

/** How often the counters are looked at while someone listens to `proxy.stats`. */
export const PROXY_STATS_MS = 1000;

/** Starts, stops and edits the saved routes; `close()` stops them. */
export class RoutesController {
  private proxy: ProxyService | undefined;
  /** The user wants the routes running (start() until stop()): an edit that adds the first route starts them. */
  private wanted = false;
  private startError: { code: string; message: string } | undefined;
  private lastStats = '';
  private readonly stops: Array<() => void> = [];
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly keyport: Keyport,
    private readonly dataDir: string,
    private readonly events: EventHub,
  ) {
    // `keyport routes add|remove` in another process: a running proxy reloads the file itself; routes
    // wanted but not running (none were saved) start once the file has some.
    this.stops.push(watchFile(savedRoutesFile(dataDir), () => void this.serial(() => this.onFileChanged())));
    const timer = setInterval(() => this.pushStats(), PROXY_STATS_MS);
    timer.unref();
    this.stops.push(() => clearInterval(timer));
  }

  /** True while the routes listen. */
  get running(): boolean {
    return this.proxy !== undefined;
  }

  /** The saved routes, with live counters while running. */
  async list(): Promise<ProxyOverview> {
    const config = await loadSavedRoutes(this.dataDir);
    const snapshot = this.proxy?.snapshot();
    const stats = new Map(snapshot?.routes.map((s) => [s.route, s]));
    return {
      running: this.running,
      routes: config.routes.map((r) => routeView(r, stats.get(routeName(r)))),
      ...(config.httpProxy ? { forwardProxy: forwardProxyView(config.httpProxy) } : {}),
      ...(snapshot?.httpProxy ? { httpProxy: snapshot.httpProxy } : {}),
      ...(snapshot?.lastReload ? { lastReload: snapshot.lastReload } : {}),
      ...(this.startError ? { error: this.startError } : {}),
    };
  }

  /** Saves a new route; while running it listens at once, and a route that cannot listen is not kept. */
  add(input: RouteInput): Promise<ProxyOverview> {
    return this.serial(async () => {
      const route = await routeConfig(this.dataDir, input);
      try {
        await checkRoute(this.dataDir, route, this.keyport);
        await addSavedRoute(this.dataDir, route);
        await this.applyOrUndo(() => removeSavedRoute(this.dataDir, input.name));
      } catch (e) {
        await removeRouteCaFiles(this.dataDir, route);
        throw e;
      }
      return this.list();
    });
  }

  /**
   * Replaces the route called `name` (which may be renamed or moved to another address: the running
   * proxy binds the new one before it lets go of the old); on failure the old one stays, listening.
   */
  update(name: string, input: RouteInput): Promise<ProxyOverview> {
    return this.serial(async () => {
      const old = await findSavedRoute(this.dataDir, name);
      const route = await routeConfig(this.dataDir, input);
      try {
        await checkRoute(this.dataDir, route, this.keyport);
        await replaceSavedRoute(this.dataDir, name, route);
        await this.applyOrUndo(() => replaceSavedRoute(this.dataDir, input.name, old));
      } catch (e) {
        await removeRouteCaFiles(this.dataDir, route);
        throw e;
      }
      await removeRouteCaFiles(this.dataDir, old);
      return this.list();
    });
  }

  /** Removes a saved route; its open connections end when it stops listening. */
  remove(name: string): Promise<ProxyOverview> {
    return this.serial(async () => {
      const old = await findSavedRoute(this.dataDir, name);
      await removeSavedRoute(this.dataDir, name);
      await this.apply();
      await removeRouteCaFiles(this.dataDir, old);
      return this.list();
    });
  }

  /** Runs the saved routes (as `keyport daemon` does); the file is then watched and reloaded. */
  start(): Promise<ProxyOverview> {
    return this.serial(async () => {
      this.wanted = true;
      await this.apply();
      if (this.startError) throw new KeyportError(this.startError.code as ErrorCode, this.startError.message);
      return this.list();
    });
  }

  /** The doctor's report on a saved route's upstream (not queued behind edits: it changes nothing). */
  async diagnose(name: string, http: boolean): Promise<ConnectionReport> {
    return diagnoseRoute(this.keyport, await findSavedRoute(this.dataDir, name), http);
  }

  /** Stops every route and its connections. */
  stop(): Promise<ProxyOverview> {
    return this.serial(async () => {
      this.wanted = false;
      await this.closeProxy();
      this.changed();
      return this.list();
    });
  }

  /** On lock: the running routes forget their session tickets (see ProxyService.forgetSessions). */
  forgetSessions(): void {
    this.proxy?.forgetSessions();
  }

  /** Stops the routes and the watchers (quit). */
  async close(): Promise<void> {
    this.stops.splice(0).forEach((stop) => stop());
    this.wanted = false;
    await this.serial(() => this.closeProxy());
  }

  /** Brings the running proxy in line with the file; a reload failure is thrown after `undo` ran. */
  private async applyOrUndo(undo: () => Promise<void>): Promise<void> {
    try {
      await this.apply(true);
    } catch (e) {
      await undo();
      await this.apply();
      throw e;
    }
  }

  private async onFileChanged(): Promise<void> {
    if (this.wanted && !this.proxy) await this.apply();
    else this.changed();
  }

  private async apply(strict = false): Promise<void> {
    try {
      if (this.proxy) await this.reload(strict);
      else if (this.wanted) await this.startProxy(strict);
    } finally {
      this.changed();
    }
  }

  private async reload(strict: boolean): Promise<void> {
    await this.proxy!.reload();
    const result = this.proxy!.snapshot().lastReload?.result ?? 'ok';
    if (strict && result !== 'ok') {
      const [code, ...rest] = result.split(': ');
      throw new KeyportError(code as ErrorCode, rest.join(': '));
    }
  }

  private async startProxy(strict: boolean): Promise<void> {
    this.startError = undefined;
    try {
      this.proxy = await startConfiguredProxy(this.keyport, this.dataDir, {
        onEvent: (e) => {
          if (e.type !== 'session-failed') this.changed();
        },
      });
    } catch (e) {
      const err = toKeyportError(e);
      this.startError = { code: err.code, message: err.message };
      if (strict) throw err;
    }
  }

  private async closeProxy(): Promise<void> {
    const proxy = this.proxy;
    this.proxy = undefined;
    await proxy?.close();
    this.pushStats();
  }

  private changed(): void {
    this.events.emit('routes.changed', {});
  }

  /** `proxy.stats` when someone listens and the counters moved since the last push. */
  private pushStats(): void {
    if (!this.events.hasSubscribers('proxy.stats')) return;
    const snapshot = this.proxy?.snapshot();
    const stats: ProxyStatsEvent = {
      running: this.running,
      routes: snapshot?.routes ?? [],
      ...(snapshot?.httpProxy ? { httpProxy: snapshot.httpProxy } : {}),
    };
    const text = JSON.stringify(stats);
    if (text === this.lastStats) return;
    this.lastStats = text;
    this.events.emit('proxy.stats', stats);
  }

  /** One edit at a time, so the file and the running proxy never interleave. */
  private serial<T>(run: () => Promise<T>): Promise<T> {
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
