/**
 * Keeps a server that cannot choose its listen address (gnutls-serv binds every interface)
 * off the network: it runs in a private network namespace (`unshare --net`) whose only way
 * in is a Unix socket, and this process forwards 127.0.0.1:<port> to that socket. Bytes
 * pass through untouched, so TLS runs end to end between the client and the server.
 */
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnServer, tail, type ServerProcess, type SpawnServerOptions } from './child.js';

const BRIDGE = fileURLToPath(new URL('../../servers/netns-bridge.mjs', import.meta.url));

/** The port the server listens on inside its namespace; nothing else uses that namespace. */
export const NETNS_INNER_PORT = 4433;

/** A server isolated in its own network namespace, reachable on 127.0.0.1:port. */
export interface IsolatedServer {
  readonly proc: ServerProcess;
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * Starts `command` (which must listen on NETNS_INNER_PORT) in a private network namespace
 * and forwards a free loopback port to it. `ready` tells when the server is listening.
 */
export async function startIsolated(
  command: string,
  args: string[],
  options: SpawnServerOptions & { workDir: string; ready: (proc: ServerProcess) => boolean; what: string },
): Promise<IsolatedServer> {
  const socketPath = path.join(options.workDir, 'netns.sock');
  const unshare = os.userInfo().uid === 0 ? ['--net'] : ['--user', '--map-root-user', '--net'];
  const script = 'ip link set lo up && exec "$@"';
  const argv = [...unshare, '--', 'sh', '-c', script, 'sh', process.execPath, BRIDGE, socketPath];
  const proc = spawnServer('unshare', [...argv, String(NETNS_INNER_PORT), '--', command, ...args], options);
  try {
    await waitUntil(() => proc.stderr.includes('netns-bridge: ready') && options.ready(proc), proc, options.what);
    const forwarder = await forward(socketPath);
    return {
      proc,
      port: forwarder.port,
      stop: async () => {
        await forwarder.close();
        await proc.stop();
      },
    };
  } catch (error) {
    await proc.stop();
    throw error;
  }
}

async function waitUntil(ready: () => boolean, proc: ServerProcess, what: string, timeoutMs = 10_000): Promise<void> {
  let exited = false;
  void proc.exited().then(() => (exited = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (ready()) return;
    if (exited) throw new Error(`Cannot start ${what} in a private network namespace: ${tail(proc.stderr)}`);
    await sleep(25);
  }
  throw new Error(`${what} was not ready within ${timeoutMs} ms: ${tail(proc.stderr)}`);
}

/** Listens on 127.0.0.1:0 and pipes every connection to the Unix socket. */
async function forward(socketPath: string): Promise<{ port: number; close: () => Promise<void> }> {
  const open = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    const upstream = net.connect({ path: socketPath, allowHalfOpen: true });
    for (const s of [client, upstream]) {
      open.add(s);
      s.on('close', () => open.delete(s));
    }
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
