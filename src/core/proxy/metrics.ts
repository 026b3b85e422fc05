import type { RouteStatsView } from './stats';

/** Label value escaping of the Prometheus text format. */
const esc = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** The routes' counters in the Prometheus text exposition format (version 0.0.4). */
export function prometheusText(routes: RouteStatsView[]): string {
  const out: string[] = [];
  const family = (name: string, type: 'counter' | 'gauge', help: string, rows: Array<[RouteStatsView, string, number | null]>): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [r, extra, v] of rows) if (v !== null) out.push(`${name}{route="${esc(r.route)}",upstream="${esc(r.upstream)}"${extra}} ${v}`);
  };
  family('keyport_proxy_connections_active', 'gauge', 'Open client connections.', routes.map((r) => [r, '', r.active]));
  family('keyport_proxy_connections_total', 'counter', 'Client connections accepted.', routes.map((r) => [r, '', r.total]));
  family('keyport_proxy_bytes_total', 'counter', 'Payload bytes; up is client to upstream.', routes.flatMap((r) => [[r, ',direction="up"', r.bytesUp], [r, ',direction="down"', r.bytesDown]] as Array<[RouteStatsView, string, number]>));
  family('keyport_proxy_handshakes_total', 'counter', 'Upstream TLS handshakes by kind.', routes.flatMap((r) => [[r, ',kind="full"', r.handshakesFull], [r, ',kind="resumed"', r.handshakesResumed]] as Array<[RouteStatsView, string, number]>));
  family('keyport_proxy_handshake_ms', 'gauge', 'Upstream handshake latency over the last 1024 handshakes, milliseconds.', routes.flatMap((r) => [[r, ',quantile="0.5"', r.handshakeMsP50], [r, ',quantile="0.95"', r.handshakeMsP95]] as Array<[RouteStatsView, string, number | null]>));
  family('keyport_proxy_errors_total', 'counter', 'Failed sessions by Keyport error code.', routes.flatMap((r) => Object.entries(r.errors).map(([code, n]) => [r, `,code="${esc(code)}"`, n] as [RouteStatsView, string, number])));
  return `${out.join('\n')}\n`;
}
