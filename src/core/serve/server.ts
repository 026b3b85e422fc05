/**
 * `keyport serve`'s HTTP server: the desktop UI and its contract on 127.0.0.1 only, behind a
 * per-run session token (see handler.ts for the order of checks, guard.ts for the threat).
 */
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { KeyportError } from '../../shared/errors';
import { createEventHub, type EventHub } from '../../shared/events';
import type { KeyportServices } from '../services';
import { createRequestHandler } from './handler';
import { createSession } from './session';

/** The only address the server listens on. */
export const SERVE_HOST = '127.0.0.1';

/** How to start the UI server. */
export interface UiServerOptions {
  /** The core the contract is served from; the caller opens and closes it. */
  services: KeyportServices;
  /** The built renderer (out/renderer): index.html and its assets. */
  rendererDir: string;
  /** TCP port; 0 (the default) lets the OS pick a free one. */
  port?: number;
  /** Accepted only as "127.0.0.1", so a caller cannot expose the keys to the network by mistake. */
  host?: string;
  /** Where contract events are published; a private hub by default. */
  events?: EventHub;
  /** One body limit for every method; by default 64 KiB, more for methods that carry files (maxRequestBytes). */
  maxBodyBytes?: number;
  /** Told about faults that are not KeyportErrors, for the terminal's diagnostics. */
  onInternalError?: (error: unknown) => void;
}

/** A running UI server. */
export interface UiServer {
  readonly port: number;
  /** `http://127.0.0.1:PORT`. */
  readonly origin: string;
  /** The address to open: the origin plus this run's session token. */
  readonly url: string;
  /** An address that works for one first visit only (see Session.oneTimeToken). */
  oneTimeUrl(): string;
  /** Stops listening and ends every open connection, event streams included. */
  close(): Promise<void>;
}

/** Starts the server; rejects with a KeyportError for a bad host or port, a busy port, or an unbuilt UI. */
export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const port = checkPort(options.port ?? 0);
  checkHost(options.host);
  requireBuiltUi(options.rendererDir);
  const server = http.createServer();
  await listen(server, port);
  const actualPort = (server.address() as AddressInfo).port;
  const session = createSession(actualPort);
  const streams = new Set<() => void>();
  server.on(
    'request',
    createRequestHandler({
      port: actualPort,
      session,
      services: options.services,
      events: options.events ?? createEventHub(),
      rendererDir: options.rendererDir,
      ...(options.maxBodyBytes !== undefined ? { maxBodyBytes: options.maxBodyBytes } : {}),
      streams,
      ...(options.onInternalError ? { onInternalError: options.onInternalError } : {}),
    }),
  );
  const origin = `http://${SERVE_HOST}:${actualPort}`;
  return {
    port: actualPort,
    origin,
    url: `${origin}/?token=${session.token}`,
    oneTimeUrl: () => `${origin}/?token=${session.oneTimeToken()}`,
    close: () => close(server, streams),
  };
}

function checkPort(port: number): number {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new KeyportError('KEYPORT_INVALID_ARGUMENT', `Port ${String(port)} is not a TCP port: use a whole number from 1 to 65535, or 0 for a free one.`);
  }
  return port;
}

function checkHost(host: string | undefined): void {
  if (host === undefined || host === SERVE_HOST) return;
  throw new KeyportError(
    'KEYPORT_INVALID_ARGUMENT',
    `keyport serve listens on ${SERVE_HOST} only, not ${JSON.stringify(host)}: the UI can use your keys, so reach it from another machine through an SSH tunnel (ssh -L).`,
  );
}

function requireBuiltUi(rendererDir: string): void {
  if (!existsSync(path.join(rendererDir, 'index.html'))) {
    throw new KeyportError('KEYPORT_UNAVAILABLE', `The Keyport UI is not built (${rendererDir} has no index.html): run \`npm run build\` in the Keyport folder.`);
  }
}

function listen(server: http.Server, port: number): Promise<void> {
  return new Promise((resolve, rejectListen) => {
    server.once('error', (error: NodeJS.ErrnoException) => rejectListen(listenError(error, port)));
    server.listen({ port, host: SERVE_HOST, exclusive: true }, () => resolve());
  });
}

function listenError(error: NodeJS.ErrnoException, port: number): KeyportError {
  if (error.code === 'EADDRINUSE') {
    return new KeyportError('KEYPORT_UNAVAILABLE', `Cannot start keyport serve: port ${port} on ${SERVE_HOST} is in use; choose another with --port, or leave it out for a free one.`, { cause: error });
  }
  if (error.code === 'EACCES') {
    return new KeyportError('KEYPORT_UNAVAILABLE', `Cannot start keyport serve on port ${port}: it needs privileges; choose a port above 1023.`, { cause: error });
  }
  return new KeyportError('KEYPORT_UNAVAILABLE', `Cannot start keyport serve on ${SERVE_HOST}:${port}: ${error.message}.`, { cause: error });
}

function close(server: http.Server, streams: Set<() => void>): Promise<void> {
  return new Promise((resolve) => {
    streams.forEach((end) => end());
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
