import { lookup } from 'node:dns/promises';
import { isIP, type Server } from 'node:net';
import { KeyportError } from '../../shared/errors';
import { formatAddress } from './schema';

/** A listen address. */
export interface ListenAddress {
  host: string;
  port: number;
}

/** True for 127.0.0.0/8, ::1 and `localhost`. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return /^::ffff:127\./i.test(host);
}

/** Refuses a non-loopback address unless the user allowed it, in one sentence saying how. */
export function checkLoopback(addr: ListenAddress, allowNonLoopback: boolean, what: string): void {
  if (allowNonLoopback || isLoopback(addr.host)) return;
  throw new KeyportError(
    'KEYPORT_PROXY_NON_LOOPBACK',
    `Refusing to listen on ${formatAddress(addr)} for ${what}: Keyport listens on loopback only (127.0.0.0/8 or ::1), so other machines cannot use your identities; pass --allow-non-loopback (in a config file or proxy.yaml: allowNonLoopback: true) if you really mean it.`,
  );
}

/** Starts `server` listening; a used port or a missing address is one clear sentence. Resolves the bound port. */
export function listen(server: Server, addr: ListenAddress, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      const where = formatAddress(addr);
      if (e.code === 'EADDRINUSE') {
        reject(new KeyportError('KEYPORT_PROXY_PORT_IN_USE', `Cannot listen on ${where} for ${what}: the port is already in use; stop what uses it or pick another port.`));
      } else if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') {
        reject(new KeyportError('KEYPORT_INVALID_ARGUMENT', `Cannot listen on ${where} for ${what}: this machine has no such address; use 127.0.0.1.`));
      } else {
        reject(new KeyportError('KEYPORT_UNAVAILABLE', `Cannot listen on ${where} for ${what}: ${e.message}.`, { cause: e }));
      }
    };
    server.once('error', onError);
    server.listen({ host: addr.host, port: addr.port, exclusive: true }, () => {
      server.off('error', onError);
      const bound = server.address();
      resolve(typeof bound === 'object' && bound ? bound.port : addr.port);
    });
  });
}

/**
 * A change prepared before a reload commits: whatever can fail (reading CA files, binding a new
 * address) is done, so the proxy can refuse a whole reload before anything running changes; commit() cannot fail.
 */
export interface StagedChange {
  commit(): void;
  /** Drops the change: closes a listener bound for it. */
  abort(): void;
}

/** True when two listen addresses are the same as configured (port 0 included). */
export function sameAddress(a: ListenAddress, b: ListenAddress): boolean {
  return a.host === b.host && a.port === b.port;
}

/**
 * A set key for each of `addresses`, equal for two names of one address (localhost:P and
 * 127.0.0.1:P), so a reload sees that a listener added at one name needs the port a removed one
 * holds under the other. A name that does not resolve keys as written (binding it says why).
 */
export async function addressKeys(addresses: ListenAddress[]): Promise<(a: ListenAddress) => string> {
  const hosts = new Map<string, string>();
  await Promise.all([...new Set(addresses.map((a) => a.host))].map(async (host) => hosts.set(host, (await resolveHost(host)) ?? host)));
  return (a) => `${hosts.get(a.host) ?? a.host}|${a.port}`;
}

/** The address a listen host names (itself for an IP), or undefined when it does not resolve. */
async function resolveHost(host: string): Promise<string | undefined> {
  if (isIP(host)) return host;
  return lookup(host).then(
    (r) => r.address,
    () => undefined,
  );
}

/** A listener's next address, and how it takes the server that accepts from then on. */
export interface ListenerChange<S extends Server> {
  current: { server: S; listen: ListenAddress; port: number };
  next: ListenAddress;
  allowNonLoopback: boolean;
  /** Names the listener in errors ("route web", "the HTTP proxy"). */
  what: string;
  createServer(): S;
  /** Applies the change; `server` and `port` are the current ones, or the new ones after a move. */
  take(server: S, port: number): void;
}

/**
 * True when `next` names the address `server` is bound to already, under another name
 * (127.0.0.1:P edited to localhost:P): binding it again would fail on our own port.
 */
async function boundThere(server: Server, port: number, next: ListenAddress): Promise<boolean> {
  const bound = server.address();
  if (next.port !== port || typeof bound !== 'object' || !bound) return false;
  return (await resolveHost(next.host)) === bound.address; // a name that does not resolve: binding it says so
}

/**
 * Stages a listener for a reload. At the same address (by name, or bound there already) commit()
 * only applies the change. At a new one the address is bound now, so a used port refuses the change
 * while the old listener serves; commit() then stops accepting on the old address (what it accepted
 * runs on) and hands over the new server, and abort() closes it.
 */
export async function stageListener<S extends Server>(c: ListenerChange<S>): Promise<StagedChange> {
  const { current } = c;
  if (sameAddress(current.listen, c.next) || (await boundThere(current.server, current.port, c.next))) {
    return { commit: () => c.take(current.server, current.port), abort: () => undefined };
  }
  checkLoopback(c.next, c.allowNonLoopback, c.what);
  const server = c.createServer();
  const port = await listen(server, c.next, c.what);
  return {
    commit: () => {
      current.server.close();
      c.take(server, port);
    },
    abort: () => void server.close(),
  };
}
