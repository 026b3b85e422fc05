/**
 * Talking to the matrix's echo servers over a KeyportTlsSocket: raw echoes for openssl,
 * gnutls, Go and Node, HTTP `POST /echo` for nginx (through a `node:http` agent that rides on
 * the one socket, so several requests share the connection), and the 16 MiB payload.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { KeyportTlsSocket } from '../../../src/core/tls';
import { NGINX_ECHO_PATH, type TlsServerKind } from '../../testbed/tls-servers';

const DEFAULT_WAIT_MS = 10_000;

/** Everything a socket received, and a way to wait for more. */
export class Inbox {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private failure: Error | undefined;
  private ended = false;
  private readonly listeners = new Set<() => void>();

  constructor(socket: KeyportTlsSocket) {
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.size += chunk.length;
      this.notify();
    });
    socket.on('error', (e: Error) => {
      this.failure = e;
      this.notify();
    });
    socket.on('end', () => {
      this.ended = true;
      this.notify();
    });
  }

  get length(): number {
    return this.size;
  }

  /** The bytes received from `offset` on. */
  bytes(offset = 0): Buffer {
    return Buffer.concat(this.chunks).subarray(offset);
  }

  /** Waits until `done()` holds; fails at once when the socket fails or ends first. */
  until(done: () => boolean, what: string, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (done()) finish();
        else if (this.failure) finish(new Error(`The connection failed while waiting for ${what}: ${this.failure.message}`));
        else if (this.ended) finish(new Error(`The server closed the connection while waiting for ${what}`));
      };
      const timer = setTimeout(() => finish(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
      const finish = (error?: Error) => {
        clearTimeout(timer);
        this.listeners.delete(check);
        if (error) reject(error);
        else resolve();
      };
      this.listeners.add(check);
      check();
    });
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

/** A `node:http` agent whose every connection is `socket`: requests after the first reuse it. */
export function agentOn(socket: KeyportTlsSocket): http.Agent {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  agent.createConnection = () => socket;
  return agent;
}

/** `POST /echo` through `agent`; resolves the body nginx echoed and whether the socket was reused. */
export function httpEcho(agent: http.Agent, port: number, body: Buffer): Promise<{ body: Buffer; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        agent,
        host: 'localhost',
        port,
        path: NGINX_ECHO_PATH,
        method: 'POST',
        headers: { 'content-length': body.length, 'content-type': 'application/octet-stream' },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          if (response.statusCode !== 200) reject(new Error(`nginx answered ${response.statusCode} to POST ${NGINX_ECHO_PATH}`));
          else resolve({ body: Buffer.concat(chunks), reused: request.reusedSocket });
        });
        response.on('error', reject);
      },
    );
    request.setTimeout(60_000, () => request.destroy(new Error('nginx did not answer within 60 s')));
    request.on('error', reject);
    request.end(body);
  });
}

/**
 * Sends `data` to the server and resolves what came back: a raw echo, or one HTTP echo for
 * nginx. `agent` must be `agentOn(socket)` for nginx.
 */
export async function roundTrip(
  kind: TlsServerKind,
  conn: { socket: KeyportTlsSocket; inbox: Inbox; agent: http.Agent; port: number },
  data: Buffer,
): Promise<Buffer> {
  if (kind === 'nginx') return (await httpEcho(conn.agent, conn.port, data)).body;
  const from = conn.inbox.length;
  conn.socket.write(data);
  await conn.inbox.until(() => conn.inbox.length - from >= data.length, `${data.length} echoed bytes`, 120_000);
  return conn.inbox.bytes(from);
}

let bulk: Buffer | undefined;

/**
 * 16 MiB of base64 text in 64-byte lines: gnutls-serv echoes whole lines and stops at a NUL,
 * so the payload is NUL-free and ends with a newline. Random, so nothing compresses or repeats.
 */
export function bulkPayload(): Buffer {
  if (!bulk) {
    bulk = Buffer.from(randomBytes(12 * 1024 * 1024).toString('base64'), 'latin1');
    for (let i = 63; i < bulk.length; i += 64) bulk[i] = 0x0a;
  }
  return bulk;
}

/** Ends the connection politely and waits until it is closed (s_server then takes the next one). */
export async function closeSocket(socket: KeyportTlsSocket, agent?: http.Agent): Promise<void> {
  if (!socket.destroyed) {
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.end();
    const timer = setTimeout(() => socket.destroy(), 2_000);
    await closed;
    clearTimeout(timer);
  }
  agent?.destroy();
}
