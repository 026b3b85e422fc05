import { performance } from 'node:perf_hooks';
import { toKeyportError, type ErrorCode } from '../../shared/errors';
import type { AuditLog } from '../audit';
import { createConnectionFor, type KeyportTlsSocket, type SessionCache } from '../tls';
import type { IdentityResolver, UsedIdentity } from './identity-resolver';
import type { RouteStats } from './stats';
import { formatAddress } from './schema';

/** Where one upstream session goes and as whom. */
export interface UpstreamTarget {
  route: string;
  host: string;
  port: number;
  identity: string;
  ca: Buffer[];
  servername?: string;
  alpn?: string[];
}

/** What an upstream session shares with the rest of the proxy. */
export interface UpstreamContext {
  resolver: IdentityResolver;
  /** Tickets of this route only: a route never resumes another route's session. */
  sessions: SessionCache;
  stats: RouteStats;
  audit?: AuditLog;
  /** Told about each failed session (the CLI prints one line). */
  onFailure?: (route: string, code: ErrorCode, message: string) => void;
}

/** An upstream TLS session being opened; the caller counts bytes and calls finish() once. */
export interface UpstreamSession {
  socket: KeyportTlsSocket;
  bytesUp: number;
  bytesDown: number;
  /** Records the session's end (stats and audit); `result` is `ok` or the failure's code. */
  finish(result: 'ok' | ErrorCode, message?: string): void;
}

/** Handshake limit for a proxied connection (a token may wait for a touch). */
const HANDSHAKE_TIMEOUT_MS = 30_000;

/**
 * Opens the TLS connection of one proxied session: identity from the resolver (cached), tickets
 * from the route's cache, handshake time and full/resumed counted on secureConnect.
 * Rejects (already counted and audited) when the identity cannot be loaded or the connection not opened.
 */
export async function openUpstream(t: UpstreamTarget, ctx: UpstreamContext): Promise<UpstreamSession> {
  const started = performance.now();
  const time = new Date().toISOString();
  const used: UsedIdentity = {};
  let resumed = false;
  let finished = false;
  const session: UpstreamSession = {
    socket: undefined as unknown as KeyportTlsSocket,
    bytesUp: 0,
    bytesDown: 0,
    finish: (result, message) => {
      if (finished) return;
      finished = true;
      if (result !== 'ok') {
        ctx.stats.error(result, message ?? result);
        ctx.onFailure?.(t.route, result, message ?? result);
      }
      ctx.audit?.append({
        time,
        route: t.route,
        identity: used.id ?? t.identity,
        ...(used.serial ? { serial: used.serial } : {}),
        upstream: formatAddress(t),
        resumed,
        bytesUp: session.bytesUp,
        bytesDown: session.bytesDown,
        durationMs: Math.round(performance.now() - started),
        result,
      });
    },
  };
  let socket: KeyportTlsSocket;
  try {
    const auth = await ctx.resolver.clientAuth(t.identity, used);
    socket = createConnectionFor({
      host: t.host,
      port: t.port,
      servername: t.servername,
      ca: t.ca,
      alpn: t.alpn,
      sessionCache: ctx.sessions,
      timeoutMs: HANDSHAKE_TIMEOUT_MS,
      ...auth,
    });
  } catch (e) {
    const err = toKeyportError(e);
    session.finish(err.code, err.message);
    throw e;
  }
  socket.once('secureConnect', () => {
    resumed = socket.tlsInfo.resumed;
    // `auto` resumed without the server asking for a certificate: the ticket's leaf says who we are.
    const { clientLeaf } = socket.tlsInfo;
    if (!used.id && clientLeaf) Object.assign(used, ctx.resolver.selectedBy(clientLeaf));
    ctx.stats.handshake(performance.now() - started, resumed);
  });
  session.socket = socket;
  return session;
}
