import path from 'node:path';
import type { z } from 'zod';
import { KeyportError } from '../../shared/errors';
import { configError } from './config-errors';
import { HttpProxySchema, HttpRuleSchema, RouteSchema, type HttpProxyConfig, type HttpRule, type RouteConfig } from './schema';

/** Option names of `--route` and `--http-rule` strings and the schema fields they fill. */
const ROUTE_KEYS: Record<string, string> = { identity: 'identity', ca: 'ca', servername: 'servername', alpn: 'alpn', limit: 'maxConnections', idle: 'idleTimeout', name: 'name' };
const RULE_KEYS: Record<string, string> = { host: 'host', identity: 'identity', ca: 'ca', port: 'port' };
/** Fields whose digits are a number; of those, idleTimeout also takes a duration (90s), which the schema reads. */
const NUMBERS = new Set(['maxConnections', 'idleTimeout', 'port']);
const WHOLE_NUMBERS = new Set(['maxConnections', 'port']);
const LISTS = new Set(['ca', 'alpn']);

/**
 * Parses `LISTEN=UPSTREAM,identity=ID[,ca=FILE][,servername=N][,alpn=h2][,limit=N][,idle=SECONDS]`
 * (`ca` and `alpn` repeatable) into a route, with the schema's checks and defaults.
 */
export function parseRouteFlag(flag: string, cwd = process.cwd()): RouteConfig {
  const [first = '', ...rest] = flag.split(',');
  const eq = first.lastIndexOf('=');
  if (eq < 0) {
    throw new KeyportError('KEYPORT_INVALID_ARGUMENT', `--route "${flag}" must start with LISTEN=UPSTREAM (e.g. 127.0.0.1:8443=api.internal:443,identity=ID).`);
  }
  const raw = { listen: first.slice(0, eq), upstream: first.slice(eq + 1), ...options(rest, ROUTE_KEYS, '--route', flag) };
  const parsed = RouteSchema.safeParse(raw);
  if (!parsed.success) throw configError(`--route ${flag}`, asFlagIssue(parsed.error.issues[0]!, ROUTE_KEYS));
  return { ...parsed.data, ca: parsed.data.ca?.map((f) => path.resolve(cwd, f)) };
}

/** Parses `host=PATTERN,identity=ID[,ca=FILE][,port=N]`, a rule of the HTTP forward proxy. */
export function parseHttpRuleFlag(flag: string, cwd = process.cwd()): HttpRule {
  const parsed = HttpRuleSchema.safeParse(options(flag.split(','), RULE_KEYS, '--http-rule', flag));
  if (!parsed.success) throw configError(`--http-rule ${flag}`, asFlagIssue(parsed.error.issues[0]!, RULE_KEYS));
  return { ...parsed.data, ca: parsed.data.ca?.map((f) => path.resolve(cwd, f)) };
}

/** A schema issue told with the flag's own key (limit=, not maxConnections). */
function asFlagIssue(issue: z.core.$ZodIssue, keys: Record<string, string>): z.core.$ZodIssue {
  const keyOf = Object.fromEntries(Object.entries(keys).map(([k, f]) => [f, k]));
  return { ...issue, path: issue.path.map((p) => (typeof p === 'string' ? (keyOf[p] ?? p) : p)) };
}

function options(parts: string[], keys: Record<string, string>, option: string, flag: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const part of parts) {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq);
    const field = eq > 0 ? keys[key] : undefined;
    if (!field) {
      throw new KeyportError('KEYPORT_INVALID_ARGUMENT', `${option} "${flag}": "${part}" is not one of ${Object.keys(keys).map((k) => `${k}=`).join(', ')}.`);
    }
    const value = part.slice(eq + 1);
    if (WHOLE_NUMBERS.has(field) && !/^\d+$/.test(value)) {
      throw new KeyportError('KEYPORT_INVALID_ARGUMENT', `${option} "${flag}": ${key}= takes a whole number, not "${value}".`);
    }
    if (LISTS.has(field)) out[field] = [...((out[field] as string[] | undefined) ?? []), value];
    else out[field] = NUMBERS.has(field) && /^\d+$/.test(value) ? Number(value) : value;
  }
  return out;
}

/** `--http-proxy ADDR` with its `--http-rule` flags, as the configuration's httpProxy. */
export function parseHttpProxyFlags(listen: string, rules: string[], cwd = process.cwd()): HttpProxyConfig {
  if (rules.length === 0) {
    throw new KeyportError('KEYPORT_INVALID_ARGUMENT', '--http-proxy needs at least one --http-rule host=PATTERN,identity=ID: the proxy only goes where a rule sends it.');
  }
  const parsed = HttpProxySchema.safeParse({ listen, rules: rules.map((r) => parseHttpRuleFlag(r, cwd)) });
  if (!parsed.success) throw configError(`--http-proxy ${listen}`, parsed.error.issues[0]!);
  return parsed.data;
}
