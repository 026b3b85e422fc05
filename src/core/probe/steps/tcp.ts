import { connect, type Socket } from 'node:net';
import { KeyportError } from '../../../shared/errors';

/** A TCP connection to `address:port` (already resolved); `where` names the target in errors. */
export function openSocket(address: string, port: number, where: string, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: address, port });
    socket.setNoDelay(true);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new KeyportError('KEYPORT_TLS_TIMEOUT', `Connecting to ${where} timed out after ${timeoutMs} ms; a firewall may drop the traffic, or the host is down.`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const hint = e.code === 'ECONNREFUSED' ? 'nothing listens there; check the port and that the service runs' : 'check the host, port and network';
      reject(new KeyportError('KEYPORT_TLS_CONNECT_FAILED', `Cannot connect to ${where}: ${e.code ?? e.message}; ${hint}.`, { cause: e }));
    });
  });
}
