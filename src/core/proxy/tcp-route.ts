import { createServer, type Server, type Socket } from 'node:net';
import { SessionCache } from '../tls';
import type { AuditLog } from '../audit';
import { readCaFiles } from './ca-files';
import type { IdentityResolver } from './identity-resolver';
import { checkLoopback, listen, stageListener, type ListenAddress, type StagedChange } from './listen';
import type { RouteConfig } from './schema';
import { splice } from './splice';
import { RouteStats } from './stats';
import { openUpstream, type UpstreamContext, type UpstreamTarget } from './upstream';

/** What every route shares. */
export interface RouteDeps {
  resolver: IdentityResolver;
  audit?: AuditLog;
  allowNonLoopback: boolean;
  /** Called as each connection starts. */
  onConnection?: () => void;
  onFailure?: UpstreamContext['onFailure'];
}

/** The route's name: its `name`, else its listen address. */
export function routeName(r: Pick<RouteConfig, 'name' | 'listen'>): string {
  return r.name ?? `${r.listen.host}:${r.listen.port}`;
}

/**
 * One TCP route: plain TCP accepted on a loopback port, each connection spliced to its own TLS
 * session with the route's one upstream. stage() changes what new connections get, and where they
 * are accepted; open ones keep going. The route's ticket cache spares the key a signature on reconnects.
 */
export class TcpRoute {
  readonly stats: RouteStats;
  private server: Server;
  private readonly sessions = new SessionCache();
  private readonly open = new Set<Socket>();
  /** Sessions still being recorded, so close() returns only once their audit lines are queued. */
  private readonly sessionsRunning = new Set<Promise<void>>();
  private target!: UpstreamTarget;
  private config!: RouteConfig;
  private boundPort = 0;

  private constructor(
    config: RouteConfig,
    private readonly deps: RouteDeps,
  ) {
    this.stats = new RouteStats(routeName(config), '', '');
    this.server = this.createServer();
  }

  /** Checks, binds and starts a route. */
  static async start(config: RouteConfig, deps: RouteDeps): Promise<TcpRoute> {
    checkLoopback(config.listen, deps.allowNonLoopback, `route ${routeName(config)}`);
    const route = new TcpRoute(config, deps);
    const ca = await readCaFiles(config.ca);
    route.use(config, ca, await listen(route.server, config.listen, `route ${routeName(config)}`));
    return route;
  }

  /** The port actually bound (differs from the config's when that said 0). */
  get port(): number {
    return this.boundPort;
  }

  /** The listen address as configured (port 0: any free one). */
  get listen(): ListenAddress {
    return this.config.listen;
  }

  /** Where the route accepts connections now: the configured host and the bound port. */
  get address(): ListenAddress {
    return { host: this.config.listen.host, port: this.boundPort };
  }

  /**
   * Prepares new settings for connections accepted from now on. A new listen address is bound here,
   * so a used port refuses the change while the old listener still serves; commit() then stops
   * accepting on the old address, and what it accepted runs on (same route, same counters).
   */
  async stage(config: RouteConfig): Promise<StagedChange> {
    const ca = await readCaFiles(config.ca);
    return stageListener({
      current: { server: this.server, listen: this.config.listen, port: this.boundPort },
      next: config.listen,
      allowNonLoopback: this.deps.allowNonLoopback,
      what: `route ${routeName(config)}`,
      createServer: () => this.createServer(),
      take: (server, port) => {
        this.server = server;
        this.use(config, ca, port);
      },
    });
  }

  /** Stops accepting; open connections run on (their handles close as they end) unless `drop`. */
  async close(drop = false): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (!drop) return;
    for (const c of this.open) c.destroy();
    await Promise.all([closed, ...this.sessionsRunning]);
  }

  /** Takes `config` for connections accepted from now on (on `port`). */
  private use(config: RouteConfig, ca: Buffer[], port: number): void {
    if (this.config && (this.config.upstream.host !== config.upstream.host || this.config.upstream.port !== config.upstream.port)) this.sessions.clear();
    this.config = config;
    this.boundPort = port;
    this.target = {
      route: routeName(config),
      host: config.upstream.host,
      port: config.upstream.port,
      identity: config.identity,
      ca,
      ...(config.servername ? { servername: config.servername } : {}),
      ...(config.alpn ? { alpn: config.alpn } : {}),
    };
    this.stats.listen = `${config.listen.host}:${port}`;
    this.stats.upstream = `${config.upstream.host}:${config.upstream.port}`;
  }

  private createServer(): Server {
    // allowHalfOpen: a client that ends its side still gets the upstream's answer.
    return createServer({ allowHalfOpen: true, pauseOnConnect: true }, (c) => {
      const running = this.onConnection(c);
      this.sessionsRunning.add(running);
      void running.finally(() => this.sessionsRunning.delete(running));
    });
  }

  private async onConnection(client: Socket): Promise<void> {
    const { stats } = this;
    if (this.open.size >= this.config.maxConnections) {
      stats.error('KEYPORT_PROXY_ROUTE_FULL');
      client.destroy();
      return;
    }
    this.open.add(client);
    this.deps.onConnection?.();
    stats.active++;
    stats.total++;
    client.setNoDelay(true);
    client.on('error', () => client.destroy()); // before the splice owns it: a client that resets while we handshake
    client.on('close', () => {
      this.open.delete(client);
      stats.active--;
    });
    let session;
    try {
      session = await openUpstream(this.target, { resolver: this.deps.resolver, sessions: this.sessions, stats, audit: this.deps.audit, onFailure: this.deps.onFailure });
    } catch {
      client.destroy(); // counted and audited by openUpstream
      return;
    }
    const s = session;
    const outcome = await splice(client, s.socket, {
      idleMs: this.config.idleTimeout * 1000,
      onUp: (n) => {
        s.bytesUp += n;
        stats.bytesUp += n;
      },
      onDown: (n) => {
        s.bytesDown += n;
        stats.bytesDown += n;
      },
    });
    s.finish(outcome.result, outcome.message);
  }
}
