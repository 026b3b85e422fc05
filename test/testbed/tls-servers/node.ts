/**
 * Node's `tls` as a test-bed peer: test/servers/node-echo.mjs in a child process (its own
 * event loop, so a 16 MB echo does not compete with the client under test), with
 * requestCert and rejectUnauthorized. Evidence from getPeerCertificate(). Node has no API
 * to initiate a KeyUpdate; it answers the client's.
 */
import { fileURLToPath } from 'node:url';
import { startJsonLineServer } from './json-lines.js';
import type { TlsServer, TlsServerOptions } from './types.js';

const SCRIPT = fileURLToPath(new URL('../../servers/node-echo.mjs', import.meta.url));

/** Starts the Node echo server. */
export function startNodeServer(o: TlsServerOptions): Promise<TlsServer> {
  return startJsonLineServer('node', process.execPath, [SCRIPT], o);
}
