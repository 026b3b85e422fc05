import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket, type TlsOptions } from 'node:tls';
import type { AddressInfo } from 'node:net';

/** A running `openssl s_server`; `output` collects its stdout and stderr. */
export interface OpensslServer {
  port: number;
  proc: ChildProcessWithoutNullStreams;
  output(): string;
  /** Resolves once the output matches. */
  waitFor(re: RegExp, ms?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts `openssl s_server` on 127.0.0.1 with an ephemeral port; stopped by PID (its own group). */
export async function startOpenssl(args: string[], cwd?: string): Promise<OpensslServer> {
  const proc = spawn('openssl', ['s_server', '-accept', '127.0.0.1:0', ...args], { cwd, detached: true });
  let out = '';
  const listeners = new Set<() => void>();
  const onOut = (d: Buffer): void => {
    out += d.toString('latin1');
    for (const l of listeners) l();
  };
  proc.stdout.on('data', onOut);
  proc.stderr.on('data', onOut);
  const waitFor = (re: RegExp, ms = 10_000): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (!re.test(out)) return;
        listeners.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`openssl s_server output never matched ${re}:\n${out}`));
      }, ms);
      listeners.add(check);
      check();
    });
  try {
    await waitFor(/ACCEPT .*:\d+/);
  } catch (e) {
    await stopProcess(proc);
    throw e;
  }
  const port = Number(/ACCEPT .*:(\d+)/.exec(out)?.[1]);
  return {
    port,
    proc,
    output: () => out,
    waitFor,
    stop: () => stopProcess(proc),
  };
}

async function stopProcess(proc: ChildProcessWithoutNullStreams): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null || proc.pid === undefined) return;
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  try {
    process.kill(-proc.pid, 'SIGTERM');
  } catch {
    return;
  }
  await exited;
}

/** A node:tls server on 127.0.0.1:0; `sockets` are the accepted connections. */
export interface NodeTlsServer {
  port: number;
  server: Server;
  sockets: TLSSocket[];
  stop(): Promise<void>;
}

export async function startNodeTls(options: TlsOptions, onSocket: (s: TLSSocket) => void): Promise<NodeTlsServer> {
  const sockets: TLSSocket[] = [];
  const server = createTlsServer(options, (s) => {
    sockets.push(s);
    s.on('error', () => undefined);
    onSocket(s);
  });
  server.on('tlsClientError', () => undefined);
  return listen(server, sockets);
}

/** A raw TCP server that hands each connection to `onSocket` (stalled, garbage, truncated peers). */
export async function startRawServer(onSocket: (s: Socket) => void): Promise<NodeTlsServer & { sockets: never[] }> {
  const open = new Set<Socket>();
  const server = createNetServer((s) => {
    open.add(s);
    s.on('close', () => open.delete(s));
    s.on('error', () => undefined);
    onSocket(s);
  });
  const running = await listen(server, []);
  return {
    ...running,
    sockets: [],
    stop: async () => {
      for (const s of open) s.destroy();
      await running.stop();
    },
  };
}

async function listen<T extends Socket>(server: Server, sockets: T[]): Promise<{ port: number; server: Server; sockets: T[]; stop(): Promise<void> }> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    server,
    sockets,
    stop: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
