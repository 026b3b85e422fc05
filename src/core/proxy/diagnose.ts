import type { ProbeReport } from '../../shared/probe-report';
import type { Keyport } from '../app';
import { registryIdentities, registryIdentity, runProbe } from '../probe';
import { readCaFiles } from './ca-files';
import { inSetting } from './config-errors';
import { formatAddress, routeName, type RouteConfig } from './schema';

/** Per step, as `keyport test` waits by default. */
const TIMEOUT_MS = 15_000;

/**
 * The doctor's report on a route's upstream, reached as the route reaches it: the same identity
 * (or auto), CA files, server name and ALPN. The handshake only, since a route carries any
 * protocol, unless `http` (then `GET /` too: nginx, for one, refuses a certificate with a 400 after
 * a handshake that succeeded).
 */
export async function diagnoseRoute(k: Keyport, route: RouteConfig, http = false): Promise<ProbeReport> {
  const { host, port } = route.upstream;
  const candidates = await registryIdentities(k);
  const identity = route.identity === 'auto' ? 'auto' : await registryIdentity(k, route.identity);
  return runProbe({
    url: `https://${formatAddress(route.upstream)}/`,
    target: { host, port, path: '/' },
    identity,
    candidates,
    ca: await readCaFiles(route.ca).catch((e: unknown) => {
      throw inSetting(`route ${routeName(route)}`, e);
    }),
    caFiles: route.ca ?? [],
    ...(route.servername ? { servername: route.servername } : {}),
    alpn: route.alpn ?? [],
    http,
    timeoutMs: TIMEOUT_MS,
  });
}
