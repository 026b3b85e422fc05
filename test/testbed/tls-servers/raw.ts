/**
 * Raw TCP servers on 127.0.0.1 for hostile-server tests: one that accepts and never
 * answers (timeouts), one that runs a script per connection (bytes chosen by the test).
 */
import net from 'node:net';

/** A raw TCP server on loopback. */
export interface RawServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** Connections accepted so far. */
  connections(): number;
  /** Closes the listener and every open connection. */
  stop(): Promise<void>;
}

/** Accepts TCP connections and never sends a byte (what it receives is read and dropped). */
export function startStallingServer(): Promise<RawServer> {
  return listen((socket) => {
    socket.on('data', () => undefined);
  });
}

/**
 * Runs `handler` for each connection, e.g. to send given bytes and close. The socket is
 * destroyed when the handler's promise settles, unless the handler ended it already.
 */
export function startScriptedServer(handler: (socket: net.Socket) => void | Promise<void>): Promise<RawServer> {
  return listen((socket) => {
    void Promise.resolve()
      .then(() => handler(socket))
      .catch(() => undefined)
      .finally(() => {
        if (!socket.writableEnded) socket.destroy();
      });
  });
}

async function listen(onConnection: (socket: net.Socket) => void): Promise<RawServer> {
  const open = new Set<net.Socket>();
  let count = 0;
  const server = net.createServer((socket) => {
    count += 1;
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => undefined); // a hostile test may reset; nothing to report
    onConnection(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    host: '127.0.0.1',
    port: (server.address() as net.AddressInfo).port,
    connections: () => count,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
