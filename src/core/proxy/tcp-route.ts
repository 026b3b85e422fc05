import { setMaxListeners } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { SessionCache, type KeyportTlsSocket } from '../tls';
import type { AuditLog } from '../audit';
import { readCaFiles } from './ca-files';
import type { IdentityResolver } from './identity-resolver';
import { Listener } from './listener';
import { formatAddress, routeName, type RouteConfig } from './schema';
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

/**
 * One TCP route: plain TCP accepted on a loopback port, each connection spliced to its own TLS
 * session with the route's one upstream. stage() changes what new connections get, and where they
 * are accepted; open ones keep going. The route's ticket cache spares the key a signature on reconnects.
 */
export class TcpRoute extends Listener<RouteConfig, Buffer[], Server> {
  readonly stats: RouteStats;
  private readonly sessions = new SessionCache();
  private readonly open = new Set<Socket>();
  /** The route is full and said so (reportFull); cleared once a connection ends below the limit. */
  private fullReported = false;
  /** Aborted by close(drop): every splice cuts both its ends (an upstream left open would drain an answer nobody reads). */
  private readonly stopping = new AbortController();
  /** Sessions still being recorded, so close() returns only once their audit lines are queued. */
  private readonly sessionsRunning = new Set<Promise<void>>();
  private target!: UpstreamTarget;

  private constructor(
    config: RouteConfig,
    private readonly deps: RouteDeps,
  ) {
    super(deps.allowNonLoopback);
    this.stats = new RouteStats(routeName(config), '', '');
    // Every open connection listens for the stop: more than Node's 10 is the normal case, not a leak.
    setMaxListeners(0, this.stopping.signal);
  }

  /** Checks, binds and starts a route. */
  static async start(config: RouteConfig, deps: RouteDeps): Promise<TcpRoute> {
    const route = new TcpRoute(config, deps);
    await route.bind(config);
    return route;
  }

  /** Stops accepting; open connections run on (their handles close as they end) unless `drop`. */
  async close(drop = false): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (!drop) return;
    this.stopping.abort();
    for (const c of this.open) c.destroy(); // those still in their handshake
    await Promise.all([closed, ...this.sessionsRunning]);
  }

  /** Forgets the route's session tickets: the next connections do full handshakes (the key signs again). */
  forgetSessions(): void {
    this.sessions.clear();
  }

  /**
   * The registry changed (a renewal): `auto` tickets go, since they would resume as the certificate
   * they were issued for; a fixed identity's are keyed by its leaf, so a new one finds none.
   */
  registryChanged(): void {
    if (this.config.identity === 'auto') this.sessions.clear();
  }

  protected prepare(config: RouteConfig): Promise<Buffer[]> {
    return readCaFiles(config.ca);
  }

  protected describe(config: RouteConfig): string {
    return `route ${routeName(config)}`;
  }

  /**
   * Takes `config` for connections accepted from now on (on `port`). A new upstream or new trust
   * (CA files, servername) gets no old tickets: a resumed session skips the server's certificate,
   * so a root taken out of the CA file would go on being trusted.
   */
  protected apply(config: RouteConfig, ca: Buffer[], port: number): void {
    const previous = this.target;
    this.target = {
      route: routeName(config),
      host: config.upstream.host,
      port: config.upstream.port,
      identity: config.identity,
      ca,
      ...(config.servername ? { servername: config.servername } : {}),
      ...(config.alpn ? { alpn: config.alpn } : {}),
    };
    if (previous && !sameUpstream(previous, this.target)) this.sessions.clear();
    this.stats.listen = formatAddress({ host: config.listen.host, port });
    this.stats.upstream = formatAddress(config.upstream);
  }

  protected createServer(): Server {
    // allowHalfOpen: a client that ends its side still gets the upstream's answer. noDelay: the
    // upstream's bytes go on as they come, as stunnel and ghostunnel do; with Nagle a write's short
    // tail (or a small answer after another) waited for the client's ACK.
    return createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, (c) => {
      const running = this.onConnection(c);
      this.sessionsRunning.add(running);
      void running.finally(() => this.sessionsRunning.delete(running));
    });
  }

  /** Counts a connection refused for the limit; says so once per episode (the first since the route last had room). */
  private refuseFull(client: Socket): void {
    const max = this.config.maxConnections;
    const message = `This route's limit of ${max} open connection${max === 1 ? '' : 's'} is reached; new ones are closed at once until one ends: raise limit= (maxConnections) if more are expected.`;
    this.stats.error('KEYPORT_PROXY_ROUTE_FULL', message);
    client.destroy();
    if (this.fullReported) return;
    this.fullReported = true;
    this.deps.onFailure?.(routeName(this.config), 'KEYPORT_PROXY_ROUTE_FULL', message);
  }

  private async onConnection(client: Socket): Promise<void> {
    const { stats } = this;
    if (this.open.size >= this.config.maxConnections) {
      this.refuseFull(client);
      return;
    }
    this.open.add(client);
    this.deps.onConnection?.();
    stats.active++;
    stats.total++;
    client.on('error', () => client.destroy()); // before the splice owns it: a client that resets while we handshake
    client.on('close', () => {
      this.open.delete(client);
      stats.active--;
      if (this.open.size < this.config.maxConnections) this.fullReported = false;
    });
    // This connection's settings: a reload meanwhile is for the next ones.
    const { target } = this;
    let session;
    try {
      session = await openUpstream(target, { resolver: this.deps.resolver, sessions: this.sessions, stats, audit: this.deps.audit, onFailure: this.deps.onFailure });
    } catch {
      client.destroy(); // counted and audited by openUpstream
      return;
    }
    const s = session;
    const outcome = await splice(client, s.socket, {
      idleMs: this.config.idleTimeout * 1000,
      stop: this.stopping.signal,
      onUp: (n) => {
        s.bytesUp += n;
        stats.bytesUp += n;
      },
      onDown: (n) => {
        s.bytesDown += n;
        stats.bytesDown += n;
      },
    });
    s.finish(outcome.result, outcome.message && withAlpnHint(outcome.message, target, s.socket));
  }
}

/**
 * A failed session's message, with a hint when the route offered ALPN protocols and the upstream
 * took none of them (an h2 route to a server without HTTP/2 just sees the server close).
 */
function withAlpnHint(message: string, target: UpstreamTarget, socket: KeyportTlsSocket): string {
  if (!target.alpn?.length) return message;
  let agreed: string | undefined;
  try {
    agreed = socket.tlsInfo.alpn;
  } catch {
    return message; // the handshake did not finish: not about ALPN
  }
  return agreed ? message : `${message} The upstream agreed on none of the ALPN protocols the route offers (${target.alpn.join(', ')}): does it speak them?`;
}

/** Whether a ticket of `a` may serve `b`: the same server, reached by the same name, trusted through the same CA files. */
function sameUpstream(a: UpstreamTarget, b: UpstreamTarget): boolean {
  const sameCa = a.ca.length === b.ca.length && a.ca.every((der, i) => der.equals(b.ca[i] as Buffer));
  return a.host === b.host && a.port === b.port && a.servername === b.servername && sameCa;
}
