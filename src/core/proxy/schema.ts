import * as z from 'zod';
import { durationSeconds } from '../../shared/duration';

/** Default per-route connection limit and idle timeout (an hour: long gRPC streams may sit quiet). */
export const DEFAULT_MAX_CONNECTIONS = 1024;
export const DEFAULT_IDLE_TIMEOUT_S = 3600;

/** `host:port` as it is written back: an IPv6 host in brackets (`[::1]:8443`). */
export function formatAddress(a: { host: string; port: number }): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/** A route's name: its `name`, else its listen address (as `keyport routes` and the app show it). */
export function routeName(r: Pick<RouteConfig, 'name' | 'listen'>): string {
  return r.name ?? formatAddress(r.listen);
}

/** A required string whose absence reads as what to write, not zod's "expected string, received undefined". */
const required = (what: string) => z.string({ error: (issue) => (issue.input === undefined ? `missing: ${what}` : undefined) });

const HOST_PORT = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/;

/** `host:port` (IPv6 as `[::1]:443`) as `{host, port}`. */
const hostPort = required('the upstream HOST:PORT the route goes to').transform((raw, ctx) => {
  const m = HOST_PORT.exec(raw.trim());
  const port = Number(m?.[3]);
  if (!m || port < 1 || port > 65535) {
    ctx.addIssue({ code: 'custom', message: `"${raw}" is not HOST:PORT (e.g. 127.0.0.1:8443 or db.internal:5432)` });
    return z.NEVER;
  }
  return { host: (m[1] ?? m[2])!, port };
});

/** A listen address: like hostPort, but port 0 (any free port) is allowed. */
const listenAddress = required('the loopback address to listen on (127.0.0.1:PORT)').transform((raw, ctx) => {
  const m = HOST_PORT.exec(raw.trim());
  const port = Number(m?.[3]);
  if (!m || port > 65535) {
    ctx.addIssue({ code: 'custom', message: `"${raw}" is not an address to listen on (write 127.0.0.1:PORT)` });
    return z.NEVER;
  }
  return { host: (m[1] ?? m[2])!, port };
});

/** Seconds: a number, or a duration such as 90s, 30m, 2h, 1d (what people write in a config file). */
const seconds = (max: number) =>
  z.preprocess(
    (v) => (typeof v === 'string' ? (durationSeconds(v) ?? v) : v),
    z.number({ error: 'write seconds (e.g. 300) or a duration such as 90s, 30m, 2h' }).int().min(0).max(max),
  );

const IDENTITY = required('the identity to present upstream (its id, its label, or auto)').min(1);

const oneOrMany = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]));

/** How many connections a route or the HTTP proxy keeps open at once. */
const connectionLimit = z
  .number({ error: 'write a whole number of connections (e.g. 1024)' })
  .int({ error: 'write a whole number of connections (e.g. 1024)' })
  .min(1, { error: 'allow at least 1 connection' })
  .max(100_000, { error: 'allow at most 100000 connections' });

/** One TCP route: plain TCP on `listen`, TLS with the identity to `upstream`. */
export const RouteSchema = z.strictObject({
  name: z.string().min(1).max(64).optional(),
  listen: listenAddress,
  upstream: hostPort,
  identity: IDENTITY,
  ca: oneOrMany.optional(),
  servername: z.string().min(1).max(253).optional(),
  alpn: oneOrMany.optional(),
  maxConnections: connectionLimit.default(DEFAULT_MAX_CONNECTIONS),
  /** Seconds (or 90s, 30m, 2h) without a byte either way before the connection is closed; 0 turns it off. */
  idleTimeout: seconds(7 * 24 * 3600).default(DEFAULT_IDLE_TIMEOUT_S),
});

/** A host rule of the HTTP forward proxy: `*.svc.internal` goes over https with `identity`. */
export const HttpRuleSchema = z.strictObject({
  host: required('the host pattern the rule matches (e.g. *.svc.internal)')
    .min(1)
    .regex(/^(\*\.)?[A-Za-z0-9_-][A-Za-z0-9*_.-]*$/, 'a host name, optionally starting with "*." (e.g. *.svc.internal)')
    .refine((h) => /[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$|^[A-Za-z0-9_-]+$/.test(h.replace(/^\*\./, '')), 'a pattern must end in a fixed domain (e.g. *.svc.internal), never match every host'),
  identity: IDENTITY,
  ca: oneOrMany.optional(),
  /** The https port upstream (443 unless the request names one). */
  port: z.number().int().min(1).max(65535).optional(),
});

export const HttpProxySchema = z.strictObject({
  listen: listenAddress,
  rules: z.array(HttpRuleSchema).min(1),
  maxConnections: connectionLimit.default(DEFAULT_MAX_CONNECTIONS),
});

/** The whole proxy configuration: the `--config` file, the saved routes, or what `--route` flags make. */
export const ProxyConfigSchema = z
  .strictObject({
    routes: z.array(RouteSchema).default([]),
    httpProxy: HttpProxySchema.optional(),
    /** Loopback port of the status endpoint; 0 or absent picks a free one. */
    statusPort: z.number().int().min(0).max(65535).optional(),
    allowNonLoopback: z.boolean().default(false),
  })
  .superRefine((config, ctx) => {
    const clash = configClash(config);
    if (clash) ctx.addIssue({ code: 'custom', path: clash.path, message: clash.message });
  });

/** Two routes with one name, or two listeners (routes, the HTTP proxy) on one address: where and why. */
export function configClash(config: Pick<ProxyConfig, 'routes' | 'httpProxy'>): { path: Array<string | number>; message: string } | undefined {
  return sameNamedRoute(config.routes) ?? sharedListenAddress(config);
}

/** The first listener whose fixed address (port 0 picks a free one) another already has: it would fail as "in use" by Keyport itself. */
function sharedListenAddress(config: Pick<ProxyConfig, 'routes' | 'httpProxy'>): { path: Array<string | number>; message: string } | undefined {
  const listeners = [...config.routes.map((r, i) => ({ path: ['routes', i, 'listen'], listen: r.listen, what: `route ${routeName(r)}` })), ...(config.httpProxy ? [{ path: ['httpProxy', 'listen'], listen: config.httpProxy.listen, what: 'the HTTP proxy' }] : [])];
  const seen = new Map<string, string>();
  for (const l of listeners) {
    if (l.listen.port === 0) continue;
    const address = formatAddress(l.listen);
    const first = seen.get(address);
    if (first) return { path: l.path, message: `${first} and ${l.what} both listen on ${address} (each needs its own port)` };
    seen.set(address, l.what);
  }
  return undefined;
}

/**
 * The first route whose name (its `name`, else its listen address) another route already has, with
 * where and why: the proxy keeps routes by name, so the later one would silently replace the first.
 */
export function sameNamedRoute(routes: ReadonlyArray<Pick<RouteConfig, 'name' | 'listen'>>): { path: Array<string | number>; message: string } | undefined {
  const seen = new Set<string>();
  for (const [i, r] of routes.entries()) {
    const name = routeName(r);
    if (!seen.has(name)) {
      seen.add(name);
      continue;
    }
    return r.name === undefined
      ? { path: ['routes', i, 'listen'], message: `two routes listen on ${name} (each needs its own port)` }
      : { path: ['routes', i, 'name'], message: `two routes are named ${name} (each needs its own name)` };
  }
  return undefined;
}

export type RouteConfig = z.output<typeof RouteSchema>;
export type HttpRule = z.output<typeof HttpRuleSchema>;
export type HttpProxyConfig = z.output<typeof HttpProxySchema>;
export type ProxyConfig = z.output<typeof ProxyConfigSchema>;
/** A configuration as written (before defaults). */
export type ProxyConfigInput = z.input<typeof ProxyConfigSchema>;
