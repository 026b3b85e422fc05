/**
 * The Proxy screen's routes as the proxy stores them (proxy.yaml in the data dir) and back:
 * CA files arrive as bytes and are kept as PEM files in the data dir, since the page never names a path.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ForwardProxyView, RouteInput, RouteStats, RouteView } from '../../shared/app-views';
import { writeFileAtomic } from '../identities/atomic-file';
import { encodePem, readCertificates } from '../pki/pem';
import { formatAddress, routeName, type HttpProxyConfig, type RouteConfig } from '../proxy';
import { RouteSchema } from '../proxy/schema';
import { checkLoopback } from '../proxy/listen';
import { configError } from '../proxy/config-errors';
import { decodeFile } from './files';

/** Where the CA files of saved routes live (one PEM per route). */
export function routeCaDir(dataDir: string): string {
  return path.join(dataDir, 'route-ca');
}

/**
 * Checks a route from the page and turns it into the proxy's form; its CA certificates are written
 * to a new `route-ca/<name>-<random>.pem` only once everything else is valid (a new file each time,
 * so a refused edit never changes what the saved route trusts; see removeRouteCaFiles).
 */
export async function routeConfig(dataDir: string, input: RouteInput): Promise<RouteConfig> {
  const caFile = path.join(routeCaDir(dataDir), `${input.name}-${randomBytes(4).toString('hex')}.pem`);
  const parsed = RouteSchema.safeParse({
    name: input.name,
    listen: input.listen,
    upstream: input.upstream,
    identity: input.identity,
    ...(input.ca?.length ? { ca: [caFile] } : {}),
    ...(input.servername !== undefined ? { servername: input.servername } : {}),
    ...(input.alpn?.length ? { alpn: input.alpn } : {}),
    ...(input.maxConnections !== undefined ? { maxConnections: input.maxConnections } : {}),
    ...(input.idleTimeout !== undefined ? { idleTimeout: input.idleTimeout } : {}),
  });
  if (!parsed.success) throw configError(`route ${input.name}`, parsed.error.issues[0]!);
  checkLoopback(parsed.data.listen, false, `route ${input.name}`);
  if (input.ca?.length) {
    const certs = input.ca.flatMap((f) => readCertificates(decodeFile(f), `CA file ${f.name}`));
    await fs.mkdir(routeCaDir(dataDir), { recursive: true, mode: 0o700 });
    await writeFileAtomic(caFile, certs.map((c) => encodePem('CERTIFICATE', c)).join(''));
  }
  return parsed.data;
}

/** Deletes the CA files this module wrote for `route` (never a file the user named in proxy.yaml). */
export async function removeRouteCaFiles(dataDir: string, route: RouteConfig): Promise<void> {
  const ours = (route.ca ?? []).filter((f) => path.dirname(f) === routeCaDir(dataDir));
  await Promise.all(ours.map((f) => fs.rm(f, { force: true })));
}

/** The saved forward proxy as the page shows it. */
export function forwardProxyView(config: HttpProxyConfig): ForwardProxyView {
  return {
    listen: formatAddress(config.listen),
    rules: config.rules.map((r) => ({ host: r.host, identity: r.identity, ...(r.port !== undefined ? { port: r.port } : {}), ca: r.ca ?? [] })),
  };
}

/** A saved route as the page shows it, with its live counters when running. */
export function routeView(route: RouteConfig, stats?: RouteStats): RouteView {
  return {
    name: routeName(route),
    listen: formatAddress(route.listen),
    upstream: formatAddress(route.upstream),
    identity: route.identity,
    ca: route.ca ?? [],
    ...(route.servername !== undefined ? { servername: route.servername } : {}),
    ...(route.alpn ? { alpn: route.alpn } : {}),
    maxConnections: route.maxConnections,
    idleTimeout: route.idleTimeout,
    ...(stats ? { stats } : {}),
  };
}
