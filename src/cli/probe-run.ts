import type { Command } from 'commander';
import type { Keyport } from '../core/app';
import { readInputFile } from '../core/input-file';
import { parseTestUrl, registryIdentities, registryIdentity, type ProbeIdentity, type ProbeOptions } from '../core/probe';
import { KeyportError } from '../shared/errors';
import { collect } from './options';

/** The flags `keyport test` and `keyport endpoints add` share. */
export interface ProbeFlags {
  ca: string[];
  servername?: string;
  method?: string;
  header: string[];
  http: boolean;
  allowTls12WithoutEms?: boolean;
  json?: boolean;
}

/** Adds the request flags both commands take, worded the same: --servername, --method, --header, --no-http. */
export function requestOptions(cmd: Command): Command {
  return cmd
    .option('--servername <name>', 'SNI and the name the server certificate must carry')
    .option('--method <method>', 'HTTP method (default GET)')
    .option('--header <header>', 'an HTTP header "Name: value"; repeatable', collect, [])
    .option('--no-http', 'stop after the handshake (for services that are not HTTP)');
}

/** What one test is asked to do, from the command line or a saved endpoint. */
export interface ProbeSpec {
  url: string;
  /** An identity id or label, `auto`, or `none`. */
  identity: string;
  ca: string[];
  servername?: string;
  method?: string;
  headers?: Record<string, string>;
  http: boolean;
  allowTls12WithoutEms: boolean;
  timeoutMs: number;
}

/** The probe's options for a spec: the URL checked, the CA files read, the identity resolved. */
export async function probeOptions(k: Keyport, spec: ProbeSpec, candidates?: ProbeIdentity[]): Promise<ProbeOptions> {
  const target = parseTestUrl(spec.url);
  const ca = await Promise.all(spec.ca.map((f) => readInputFile(f, 'CA file')));
  const all = candidates ?? (await registryIdentities(k));
  const identity = spec.identity === 'auto' || spec.identity === 'none' ? spec.identity : await registryIdentity(k, spec.identity);
  return {
    url: spec.url,
    target,
    identity,
    candidates: all,
    ca,
    caFiles: spec.ca,
    ...(spec.servername ? { servername: spec.servername } : {}),
    ...(spec.method ? { method: spec.method } : {}),
    ...(spec.headers ? { headers: spec.headers } : {}),
    http: spec.http,
    timeoutMs: spec.timeoutMs,
    allowTls12WithoutEms: spec.allowTls12WithoutEms,
  };
}

/** `--header "Name: value"` (repeatable) as a header object; a malformed one is a usage error. */
export function parseHeaders(raw: string[]): Record<string, string> | undefined {
  if (raw.length === 0) return undefined;
  const headers: Record<string, string> = {};
  for (const h of raw) {
    const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*([^\r\n]*)$/.exec(h);
    if (!m) throw new KeyportError('KEYPORT_INVALID_ARGUMENT', `"${h}" is not a header: write it as "Name: value".`);
    headers[m[1]!.toLowerCase()] = m[2]!;
  }
  return headers;
}

/** `--method`: an HTTP token such as GET, POST, HEAD (upper-cased). */
export function parseMethod(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (!/^[A-Za-z]{1,20}$/.test(raw)) throw new KeyportError('KEYPORT_INVALID_ARGUMENT', `"${raw}" is not an HTTP method: use GET, HEAD, POST, ...`);
  return raw.toUpperCase();
}

/** `--timeout`: a positive number of milliseconds. */
export function parseTimeout(raw: string): number {
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms <= 0 || ms > 600_000) throw new KeyportError('KEYPORT_INVALID_ARGUMENT', `--timeout ${raw} is not a number of milliseconds from 1 to 600000.`);
  return ms;
}
