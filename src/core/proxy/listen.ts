import { isIP, type Server } from 'node:net';
import { KeyportError } from '../../shared/errors';

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
    `Refusing to listen on ${addr.host}:${addr.port} for ${what}: Keyport listens on loopback only (127.0.0.0/8 or ::1), so other machines cannot use your identities; pass --allow-non-loopback if you really mean it.`,
  );
}

/** Starts `server` listening; a used port or a missing address is one clear sentence. Resolves the bound port. */
export function listen(server: Server, addr: ListenAddress, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      const where = `${addr.host}:${addr.port}`;
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
