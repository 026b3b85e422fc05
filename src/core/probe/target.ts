import { KeyportError } from '../../shared/errors';

/** Where a connection test or `connect` goes. */
export interface Target {
  host: string;
  port: number;
  path: string;
}

/** Parses `https://host[:port]/path`; plain http is refused, since there is no client certificate to test. */
export function parseTestUrl(raw: string): Target {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new KeyportError('KEYPORT_INVALID_ARGUMENT', `"${raw}" is not a URL: write it as https://host[:port]/path.`);
  }
  if (url.protocol !== 'https:') {
    throw new KeyportError('KEYPORT_INVALID_ARGUMENT', `Cannot test ${raw}: only https:// URLs carry a client certificate.`);
  }
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(url.port || 443), path: `${url.pathname}${url.search}` };
}

/** Parses `HOST:PORT` (IPv6 as `[::1]:443`). */
export function parseHostPort(raw: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(raw);
  const port = Number(m?.[3]);
  if (!m || port < 1 || port > 65535) {
    throw new KeyportError('KEYPORT_INVALID_ARGUMENT', `"${raw}" is not HOST:PORT (e.g. db.internal:5433 or [::1]:8443).`);
  }
  return { host: (m[1] ?? m[2])!, port };
}
