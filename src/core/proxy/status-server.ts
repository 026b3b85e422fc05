import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { listen } from './listen';
import { prometheusText } from './metrics';
import type { RouteStatsView } from './stats';

/** What `/status` returns. */
export interface ProxyStatus {
  pid: number;
  startedAt: string;
  routes: RouteStatsView[];
  httpProxy?: RouteStatsView;
  /** The last reload's outcome: `ok` or the reason the new configuration was refused. */
  lastReload?: { at: string; result: string };
}

/** A running status endpoint. */
export interface StatusServer {
  port: number;
  /** The random path segment: `/TOKEN/status`, `/TOKEN/metrics`. */
  token: string;
  close(): Promise<void>;
}

/**
 * The status endpoint: loopback only, read-only (GET/HEAD), behind a random path token, with a Host
 * check. Chosen over `keyport serve`'s token cookie because its readers are curl, Prometheus and
 * `keyport proxy --status`, which cannot do a cookie exchange; the data is counters (no key, PIN or
 * payload), the token stops other local web pages and DNS-rebinding sites from reading it, and the
 * token is handed out only through an owner-only state file in the data dir.
 */
export async function startStatusServer(port: number, status: () => ProxyStatus): Promise<StatusServer> {
  const token = randomBytes(24).toString('base64url');
  const server = http.createServer((req, res) => {
    const reply = (code: number, type: string, body: string): void => {
      res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (!loopbackHost(req.headers.host)) return reply(421, 'text/plain', 'This endpoint answers only to 127.0.0.1, localhost or [::1].\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(405, 'text/plain', 'The status endpoint is read-only: use GET.\n');
    const url = req.url ?? '';
    if (url === `/${token}/status`) return reply(200, 'application/json', `${JSON.stringify(status(), null, 2)}\n`);
    if (url === `/${token}/metrics`) {
      const s = status();
      return reply(200, 'text/plain; version=0.0.4', prometheusText([...s.routes, ...(s.httpProxy ? [s.httpProxy] : [])]));
    }
    return reply(404, 'text/plain', 'Not found: the address is /TOKEN/status or /TOKEN/metrics; `keyport proxy --status` prints it.\n');
  });
  const bound = await listen(server, { host: '127.0.0.1', port }, 'the status endpoint');
  return {
    port: bound,
    token,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function loopbackHost(host: string | undefined): boolean {
  return !!host && /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/i.test(host);
}
