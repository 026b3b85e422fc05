import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { KeyportError, toKeyportError } from '../../shared/errors';
import { SessionCache } from '../tls';
import { readCaFiles } from './ca-files';
import { CLIENT_SENT_TLS, startsTlsHandshake } from './client-tls';
import { inSetting } from './config-errors';
import { hostMatches } from './host-glob';
import { Listener } from './listener';
import { formatAddress, type HttpProxyConfig, type HttpRule } from './schema';
import { RouteStats } from './stats';
import type { RouteDeps } from './tcp-route';
import { openUpstream } from './upstream';

/** Request headers that belong to the hop to the proxy, not to the upstream. */
const HOP_BY_HOP = new Set(['connection', 'proxy-connection', 'proxy-authorization', 'keep-alive', 'te', 'transfer-encoding', 'upgrade']);
/**
 * The most header bytes a request or an answer may carry, either way (Node's default is 16 KB).
 * Big cookies and CSP headers pass 16 KB; curl reads answers with up to 100 KB.
 */
const MAX_HEADER_BYTES = 64 * 1024;
const ROUTE = 'http-proxy';
/** Node's own answers to a request it could not parse, which a 'clientError' listener replaces. */
const PARSE_ERROR_STATUS: Record<string, number> = { HPE_HEADER_OVERFLOW: 431, HPE_CHUNK_EXTENSIONS_OVERFLOW: 413, ERR_HTTP_REQUEST_TIMEOUT: 408 };

interface LoadedRule extends HttpRule {
  caDer: Buffer[];
}

/**
 * The HTTP forward proxy: `HTTP_PROXY=http://127.0.0.1:PORT` clients ask for `http://host/path`;
 * a host that matches a rule is fetched over https with that rule's identity (keep-alive sessions
 * per host, tickets per host and identity). Anything else is refused: a host no rule names (403),
 * CONNECT (405), an origin-form request (400). It never connects anywhere a rule does not name.
 */
export class HttpForwardProxy extends Listener<HttpProxyConfig, LoadedRule[], http.Server> {
  readonly stats: RouteStats;
  private rules: LoadedRule[] = [];
  /** Every accepted connection, also those of an address the proxy moved away from. */
  private readonly open = new Set<Socket>();
  /** Connections with a request being answered. */
  private readonly busy = new Set<Socket>();
  /** Removed by a reload: connections close once their request is answered. */
  private closing = false;
  private readonly agents = new Map<string, http.Agent>();
  /** Per upstream socket: its session's bytes up (what was written since the last call) and its failure. */
  private readonly sessionOf = new WeakMap<object, { countUp(): void; fail(e: KeyportError): void }>();
  /** How to mark each open upstream session failed, so that a stop audits it as cut. */
  private readonly liveSessions = new Set<(e: KeyportError) => void>();
  private readonly sessions = new SessionCache();

  private constructor(private readonly deps: RouteDeps) {
    super(deps.allowNonLoopback);
    this.stats = new RouteStats(ROUTE, '', 'per rule');
  }

  /** Checks, binds and starts the listener. */
  static async start(config: HttpProxyConfig, deps: RouteDeps): Promise<HttpForwardProxy> {
    const proxy = new HttpForwardProxy(deps);
    await proxy.bind(config);
    return proxy;
  }

  /**
   * Stops listening. With `drop` (shutdown) every connection and upstream session closes now;
   * without (removed by a reload) the requests in flight finish on their sessions and then their
   * connections close, as a removed route's connections run on.
   */
  async close(drop = true): Promise<void> {
    this.closing = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (!drop) {
      for (const s of this.open) if (!this.busy.has(s)) s.end();
      this.retireAgents();
      return;
    }
    // Cut as a TCP route cuts its connections: audited as stopped, and an answer in flight is reset
    // so that it never looks complete.
    const stopped = new KeyportError('KEYPORT_PROXY_STOPPED', 'The proxy stopped; its open connections were cut.');
    for (const fail of this.liveSessions) fail(stopped);
    for (const s of this.open) {
      if (this.busy.has(s)) s.resetAndDestroy();
      else s.destroy();
    }
    this.dropAgents();
    await closed;
  }

  /** Forgets the session tickets and the idle pooled sessions: the next requests open new sessions with full handshakes. */
  forgetSessions(): void {
    this.sessions.clear();
    this.retireAgents();
  }

  /**
   * The registry changed (a renewal): pooled sessions are retired, since they were authenticated as
   * the certificate of their handshake and would serve new requests with it for as long as the server
   * keeps them alive; `auto` tickets go too, as in TcpRoute.registryChanged (the tickets are shared
   * by every rule). A fixed identity's tickets are keyed by its leaf: a new one finds none.
   */
  registryChanged(): void {
    if (this.rules.some((r) => r.identity === 'auto')) this.sessions.clear();
    this.retireAgents();
  }

  protected prepare(config: HttpProxyConfig): Promise<LoadedRule[]> {
    return loadRules(config);
  }

  protected describe(): string {
    return 'the HTTP proxy';
  }

  /**
   * Takes `config` for requests from now on (on `port`); upstream sessions of the old rules are not
   * reused, nor their tickets: a resumed session skips the server's certificate, so a root taken
   * out of a CA file would go on being trusted.
   */
  protected apply(config: HttpProxyConfig, rules: LoadedRule[], port: number): void {
    if (this.rules.length > 0) this.sessions.clear();
    this.rules = rules;
    this.stats.listen = formatAddress({ host: config.listen.host, port });
    this.retireAgents();
  }

  protected createServer(): http.Server {
    const server = http.createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => this.onRequest(req, res));
    server.on('connect', (req: IncomingMessage, socket: Socket) => this.onConnect(req, socket));
    server.on('connection', (s: Socket) => this.onSocket(s));
    server.on('clientError', (e: NodeJS.ErrnoException & { rawPacket?: Buffer }, s: Socket) => this.onClientError(e, s));
    return server;
  }

  /** A request that does not parse: Node's answer, unless it was a TLS handshake (HTTPS_PROXY=https://...), which is said. */
  private onClientError(e: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Socket): void {
    if (socket.bytesWritten === 0 && e.rawPacket && startsTlsHandshake(e.rawPacket)) {
      this.stats.error('KEYPORT_PROXY_CLIENT_SENT_TLS', CLIENT_SENT_TLS);
      this.deps.onFailure?.(ROUTE, 'KEYPORT_PROXY_CLIENT_SENT_TLS', CLIENT_SENT_TLS);
      return void socket.destroy();
    }
    const status = PARSE_ERROR_STATUS[e.code ?? ''] ?? 400;
    if (socket.writable && socket.bytesWritten === 0) socket.write(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\n\r\n`);
    socket.destroy();
  }

  /** Ends every upstream session, in use or idle (close). */
  private dropAgents(): void {
    for (const a of this.agents.values()) a.destroy();
    this.agents.clear();
  }

  /**
   * New requests get new agents (new rules, CA files); the old agents' requests in flight finish on
   * their sessions, which then close instead of going back to the pool. (destroy() would cut them.)
   */
  private retireAgents(): void {
    for (const a of this.agents.values()) {
      a.keepSocketAlive = () => false;
      for (const idle of Object.values(a.freeSockets)) for (const s of idle ?? []) s.destroy();
    }
    this.agents.clear();
  }

  private onSocket(s: Socket): void {
    if (this.stats.active >= this.config.maxConnections) {
      this.stats.error('KEYPORT_PROXY_ROUTE_FULL', `The HTTP proxy's limit of ${this.config.maxConnections} open connections is reached; new ones are refused until one ends.`);
      s.destroy();
      return;
    }
    this.open.add(s);
    this.stats.active++;
    this.stats.total++;
    s.on('close', () => {
      this.open.delete(s);
      this.stats.active--;
    });
  }

  private onConnect(req: IncomingMessage, socket: Socket): void {
    const sentence = `Keyport's HTTP proxy does not tunnel CONNECT ${req.url ?? ''}: ask for http://${httpAuthority(req.url)}/... through it (Keyport adds TLS and your identity), or use a TCP route (keyport proxy --route).`;
    this.stats.error('KEYPORT_PROXY_CONNECT_REFUSED', sentence);
    socket.on('error', () => socket.destroy()); // clients reset after reading the refusal
    const body = `${sentence}\n`;
    socket.end(`HTTP/1.1 405 Method Not Allowed\r\ncontent-type: text/plain\r\nx-keyport-error: KEYPORT_PROXY_CONNECT_REFUSED\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const { socket } = req;
    this.busy.add(socket);
    res.once('close', () => {
      this.busy.delete(socket);
      if (this.closing) socket.end();
    });
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      return refuse(res, 400, 'KEYPORT_INVALID_REQUEST', `Keyport is an HTTP proxy: send absolute URLs (set HTTP_PROXY=http://${this.stats.listen}, or use curl -x).`);
    }
    if (url.protocol !== 'http:') {
      return refuse(res, 400, 'KEYPORT_INVALID_REQUEST', `Ask for http://${url.host}${url.pathname} through Keyport: it makes the https connection itself.`);
    }
    // A fully qualified name's final dot (localhost.) names the same host; SNI and the certificate
    // check want it without (RFC 6066 §3), and the resolver may not know the dotted form.
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
    const rule = this.rules.find((r) => hostMatches(r.host, host));
    if (!rule) {
      const sentence = `Host ${host} matches no rule of this Keyport proxy; add a rule (host=PATTERN,identity=ID) to reach it.`;
      this.stats.error('KEYPORT_PROXY_HOST_NOT_ROUTED', sentence);
      return refuse(res, 403, 'KEYPORT_PROXY_HOST_NOT_ROUTED', sentence);
    }
    const port = url.port ? Number(url.port) : (rule.port ?? 443);
    this.forward(req, res, rule, url, host, port);
  }

  private forward(req: IncomingMessage, res: ServerResponse, rule: LoadedRule, url: URL, host: string, port: number): void {
    // Host comes from the URL the rule matched, never from the client's Host header (RFC 9112 §3.2.2):
    // else a client could send the rule's identity to another virtual host of the same server.
    const headers = { ...endToEnd(req.headers), host: url.host };
    const up = http.request({ agent: this.agentFor(rule, host, port), host, port, method: req.method, path: `${url.pathname}${url.search}`, headers, maxHeaderSize: MAX_HEADER_BYTES });
    up.on('response', (answer) => {
      // An answer before the whole request body was read (a 413 or 401 while an upload flows): the
      // rest of the body is unwanted, so the client's connection closes after the answer, as nginx
      // does; kept alive, it stayed open for good with the body never read.
      const head = req.complete ? endToEnd(answer.headers) : { ...endToEnd(answer.headers), connection: 'close' };
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, head);
      answer.once('end', () => res.addTrailers(answer.trailers)); // before pipe's end(); sent when the answer is chunked
      answer.pipe(res);
    });
    // Head and body as they went into the TLS session (the upstream socket counts them).
    up.on('finish', () => up.socket && this.sessionOf.get(up.socket)?.countUp());
    up.on('error', (e: NodeJS.ErrnoException) => {
      const origin = `https://${host}:${port}`;
      const notHttp = e.code?.startsWith('HPE_') ? notHttpAnswer(e, origin) : undefined;
      // The parser closed the session without an error: it is told why before its 'close' comes, so
      // that it is counted, said and audited as this failure.
      if (notHttp && up.socket) this.sessionOf.get(up.socket)?.fail(notHttp);
      if (res.destroyed) return;
      if (res.headersSent) return void res.destroy();
      const err = toKeyportError(e);
      refuse(res, 502, (notHttp ?? err).code, notHttp?.message ?? `Keyport could not reach ${origin}: ${err.message}`);
    });
    // A client that leaves before its answer ended takes the upstream session with it: kept, it would
    // stay open with the server stuck on a full window, never back in the pool and never audited.
    res.once('close', () => {
      if (!res.writableFinished) up.destroy(new KeyportError('KEYPORT_PROXY_CLIENT_RESET', 'The client left before its answer ended; the upstream session was closed.'));
    });
    req.pipe(up);
  }

  /** A keep-alive agent per rule and upstream whose connections are Keyport TLS sessions. */
  private agentFor(rule: LoadedRule, host: string, port: number): http.Agent {
    const key = `${this.rules.indexOf(rule)}|${host}|${port}`;
    let agent = this.agents.get(key);
    if (agent) return agent;
    agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    const ctx = { resolver: this.deps.resolver, sessions: this.sessions, stats: this.stats, audit: this.deps.audit, onFailure: this.deps.onFailure };
    const target = { route: ROUTE, host, port, identity: rule.identity, ca: rule.caDer, servername: host };
    (agent as unknown as { createConnection: unknown }).createConnection = (_o: unknown, done: (e: Error | null, s?: unknown) => void) => {
      openUpstream(target, ctx).then(
        (session) => {
          const { socket } = session;
          let failure: KeyportError | undefined;
          let counted = 0;
          const countUp = (): void => {
            const n = socket.bytesSent - counted;
            counted += n;
            session.bytesUp += n;
            this.stats.bytesUp += n;
          };
          const fail = (e: KeyportError): void => void (failure ??= e);
          this.sessionOf.set(socket, { countUp, fail });
          this.liveSessions.add(fail);
          socket.on('data', (b: Buffer) => {
            session.bytesDown += b.length;
            this.stats.bytesDown += b.length;
          });
          socket.on('error', (e) => (failure ??= toKeyportError(e)));
          socket.on('close', () => {
            this.liveSessions.delete(fail);
            countUp();
            session.finish(failure?.code ?? 'ok', failure?.message);
          });
          done(null, socket);
        },
        (e: unknown) => done(e as Error),
      );
      return undefined;
    };
    this.agents.set(key, agent);
    return agent;
  }
}

/**
 * The headers of a message without those of its hop: the fixed hop-by-hop set and every header the
 * Connection header names (RFC 9110 §7.6.1), which the sender meant for the proxy alone.
 */
function endToEnd(headers: http.IncomingHttpHeaders): http.IncomingHttpHeaders {
  const named = String(headers.connection ?? '')
    .split(',')
    .map((t) => t.trim().toLowerCase());
  const out = { ...headers };
  for (const name of Object.keys(out)) if (HOP_BY_HOP.has(name) || named.includes(name)) delete out[name];
  return out;
}

/** An answer Node's HTTP parser refused (an HPE_ code), in words. */
function notHttpAnswer(e: Error & { code?: string }, origin: string): KeyportError {
  const sentence =
    e.code === 'HPE_HEADER_OVERFLOW'
      ? `${origin} answered with more than ${MAX_HEADER_BYTES / 1024} KB of headers, more than Keyport's HTTP proxy reads: reach it through a TCP route (keyport proxy --route) instead.`
      : `${origin} did not answer in HTTP/1.1 (${e.message}): is it an HTTP server? Reach other protocols through a TCP route (keyport proxy --route).`;
  return new KeyportError('KEYPORT_PROXY_UPSTREAM_NOT_HTTP', sentence);
}

/** The rules with their CA files read; a failure names its rule. */
function loadRules(config: HttpProxyConfig): Promise<LoadedRule[]> {
  const load = async (r: HttpRule): Promise<LoadedRule> => {
    try {
      return { ...r, caDer: await readCaFiles(r.ca) };
    } catch (e) {
      throw inSetting(`rule host=${r.host}`, e);
    }
  };
  return Promise.all(config.rules.map(load));
}

/** A refusal: status, a stable code in a header, and one sentence. */
function refuse(res: ServerResponse, status: number, code: string, sentence: string): void {
  const body = `${sentence}\n`;
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'x-keyport-error': code, 'content-length': Buffer.byteLength(body), connection: 'close' });
  res.end(body);
}

/** A CONNECT target as the http:// authority that reaches the same https server through Keyport (443 is its default). */
function httpAuthority(authority: string | undefined): string {
  return (authority ?? 'host').replace(/:443$/, '');
}
