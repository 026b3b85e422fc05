import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Document, parseDocument } from 'yaml';
import { KeyportError } from '../../shared/errors';
import { writeFileAtomic } from '../identities/atomic-file';
import { findByIdOrLabel } from '../identities/lookup';
import type { IdentityRecord } from '../identities/schema';
import { loadProxyConfigFile } from './config-file';
import { readCaFiles } from './ca-files';
import { inSetting } from './config-errors';
import { requireIdentity, type IdentitySource } from './identity-resolver';
import { checkLoopback } from './listen';
import { formatAddress, routeName, type ProxyConfig, type RouteConfig } from './schema';

/** The routes `keyport daemon` and the desktop app run: `proxy.yaml` in the data dir (the --config format). */
export const SAVED_ROUTES_FILE = 'proxy.yaml';

/** The saved configuration's path. */
export function savedRoutesFile(dataDir: string): string {
  return path.join(dataDir, SAVED_ROUTES_FILE);
}

/** The saved configuration; an absent file is no routes. */
export async function loadSavedRoutes(dataDir: string): Promise<ProxyConfig> {
  const file = savedRoutesFile(dataDir);
  const exists = await fs.stat(file).then(() => true, () => false);
  return exists ? loadProxyConfigFile(file) : { routes: [], allowNonLoopback: false };
}

/**
 * Refuses, before it is saved, a route the proxy would refuse at start (which would keep `keyport
 * daemon` and the app from running any route): a listen address off loopback (unless the saved file
 * allows it), an identity that does not exist, a CA file that cannot be read.
 */
export async function checkRoute(dataDir: string, route: RouteConfig, identities: Pick<IdentitySource, 'record'>): Promise<void> {
  const what = `route ${routeName(route)}`;
  checkLoopback(route.listen, (await loadSavedRoutes(dataDir)).allowNonLoopback, what);
  await requireIdentity(identities, route.identity, what);
  await readCaFiles(route.ca).catch((e: unknown) => Promise.reject(inSetting(what, e)));
}

/**
 * What of the saved configuration presents identity `id`: "route NAME" and "forward-proxy rule HOST",
 * each named as the proxy resolves it among `records` (id, unique id prefix, or label; not `auto`).
 * A saved file that cannot be read names nothing: it runs no route anyway.
 */
export async function savedRoutesUsing(dataDir: string, id: string, records: IdentityRecord[]): Promise<string[]> {
  const config = await loadSavedRoutes(dataDir).catch(() => undefined);
  const presents = (ref: string): boolean => ref !== 'auto' && resolvesTo(records, ref) === id;
  return [
    ...(config?.routes ?? []).filter((r) => presents(r.identity)).map((r) => `route ${routeName(r)}`),
    ...(config?.httpProxy?.rules ?? []).filter((r) => presents(r.identity)).map((r) => `forward-proxy rule ${r.host}`),
  ];
}

/** The id `ref` names among `records`; undefined when it names none or several (the proxy refuses those). */
function resolvesTo(records: IdentityRecord[], ref: string): string | undefined {
  try {
    return findByIdOrLabel(records, ref, 'identity').id;
  } catch {
    return undefined;
  }
}

/** The saved route with this name or listen address (KEYPORT_NOT_FOUND when none). */
export async function findSavedRoute(dataDir: string, name: string): Promise<RouteConfig> {
  const found = (await loadSavedRoutes(dataDir)).routes.find((r) => isNamed(r, name));
  if (!found) throw notFound(name);
  return found;
}

/** Adds a route (refused when its name or listen address is taken). */
export async function addSavedRoute(dataDir: string, route: RouteConfig): Promise<void> {
  const config = await loadSavedRoutes(dataDir);
  refuseTaken(config.routes, route);
  await saveRoutes(dataDir, [...config.routes, route]);
}

/**
 * Replaces the route with this name or listen address by `route`, in its place, in one write
 * (refused when another route has the new name or listen address). A running proxy moves it on reload.
 */
export async function replaceSavedRoute(dataDir: string, name: string, route: RouteConfig): Promise<void> {
  const config = await loadSavedRoutes(dataDir);
  const at = config.routes.findIndex((r) => isNamed(r, name));
  if (at < 0) throw notFound(name);
  refuseTaken(config.routes.filter((_, i) => i !== at), route);
  await saveRoutes(dataDir, config.routes.map((r, i) => (i === at ? route : r)));
}

/** Removes the route with this name or listen address. */
export async function removeSavedRoute(dataDir: string, name: string): Promise<void> {
  const config = await loadSavedRoutes(dataDir);
  const routes = config.routes.filter((r) => !isNamed(r, name));
  if (routes.length === config.routes.length) throw notFound(name);
  await saveRoutes(dataDir, routes);
}

function isNamed(r: RouteConfig, name: string): boolean {
  return routeName(r) === name || formatAddress(r.listen) === name;
}

/** Refuses `route` when a saved one has its name or its listen address, naming that one. */
function refuseTaken(routes: RouteConfig[], route: RouteConfig): void {
  const name = routeName(route);
  const listen = formatAddress(route.listen);
  const named = routes.find((r) => routeName(r) === name);
  if (named) {
    throw new KeyportError('KEYPORT_ALREADY_EXISTS', `A saved route is already named ${name}; remove it first (keyport routes remove ${name}) or pick another name.`);
  }
  const listening = routes.find((r) => formatAddress(r.listen) === listen);
  if (listening) {
    const other = routeName(listening);
    throw new KeyportError('KEYPORT_ALREADY_EXISTS', `Saved route ${other} already listens on ${listen}; remove it first (keyport routes remove ${other}) or pick another port.`);
  }
}

function notFound(name: string): KeyportError {
  return new KeyportError('KEYPORT_NOT_FOUND', `No saved route is named ${name} (it may have been removed meanwhile): list the routes again.`);
}

/**
 * Writes `routes` as the file's routes: only that list is rewritten, so what the user wrote by hand
 * around it (comments, the httpProxy section) stays as written.
 */
async function saveRoutes(dataDir: string, routes: RouteConfig[]): Promise<void> {
  await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
  const file = savedRoutesFile(dataDir);
  const text = await fs.readFile(file, 'utf8').catch(() => undefined);
  const doc = text === undefined ? new Document({}) : parseDocument(text);
  if (text === undefined) doc.commentBefore = ' Keyport proxy routes (the keyport proxy --config format)';
  doc.set('routes', routes.map((r) => ({ ...r, listen: formatAddress(r.listen), upstream: formatAddress(r.upstream) })));
  await writeFileAtomic(file, doc.toString());
}
