import { connect as netConnect, createServer, type AddressInfo, type Socket } from 'node:net';

/** A running loopback proxy. */
export interface LoopbackProxy {
  port: number;
  /** Closes every connection and the listener. */
  stop(): Promise<void>;
}

/**
 * A TCP proxy on 127.0.0.1 to 127.0.0.1:`target`: the plumbing the TLS tests' proxies share.
 * For each connection, `wire(client, upstream)` decides how the bytes flow (rewritten, mutated,
 * re-chunked); the proxy tracks both sockets, ignores their errors and closes them on stop().
 */
export async function startLoopbackProxy(target: number, wire: (client: Socket, upstream: Socket) => void): Promise<LoopbackProxy> {
  const open = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = netConnect(target, '127.0.0.1');
    for (const s of [client, upstream]) {
      open.add(s);
      s.on('error', () => undefined);
      s.on('close', () => open.delete(s));
    }
    wire(client, upstream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    stop: () =>
      new Promise<void>((r) => {
        for (const s of open) s.destroy();
        server.close(() => r());
      }),
  };
}
