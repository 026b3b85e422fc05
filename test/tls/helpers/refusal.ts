/**
 * How the tests of real servers refusing our client certificate connect, read and judge: on
 * TLS 1.2 the server's alert ends connect(); on 1.3 our handshake is done before the server
 * checks our certificate, so its alert arrives on the first read after connect() resolved.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { expect } from 'vitest';
import { memorySigner } from '../../../src/core/keystores/memory-signer';
import { connect, type KeyportTlsSocket } from '../../../src/core/tls';
import { KeyportError } from '../../../src/shared/errors';
import type { IssuedCert } from '../../testbed/ca';
import type { TlsVersion } from '../../testbed/tls-servers';

/** connect()'s handshake limit, and how long the first read may wait for the alert. */
export const REFUSAL_TIMEOUT_MS = 5_000;

/** Where a server listens and the root its certificate chains to. */
export interface RefusingServer {
  host: string;
  port: number;
  rootPem: Buffer;
}

/** Where the refusal surfaced, and as what. */
export interface Refusal {
  phase: 'handshake' | 'first read';
  error: unknown;
  elapsedMs: number;
}

/** DER certificates of a PEM text, in order. */
function derChain(pem: string): Buffer[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((c) => new X509Certificate(c).raw);
}

/** connect() with `client`'s key in memory (or no certificate), only `version` offered. */
export function connectAs(server: RefusingServer, version: TlsVersion, client: IssuedCert | undefined): Promise<KeyportTlsSocket> {
  const identity = client && { signer: memorySigner(createPrivateKey(client.keyPem)), chain: derChain(client.chainPem) };
  return connect({
    host: server.host,
    port: server.port,
    servername: 'localhost',
    ca: [server.rootPem],
    minVersion: version,
    maxVersion: version,
    timeoutMs: REFUSAL_TIMEOUT_MS,
    ...identity,
  });
}

/** Writes a line and resolves with what came back first: the echo, the end, or the error. */
export function firstRead(socket: KeyportTlsSocket): Promise<{ data?: Buffer; ended?: true; error?: unknown }> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ error: new Error(`Nothing came back within ${REFUSAL_TIMEOUT_MS} ms`) }), REFUSAL_TIMEOUT_MS);
    const done = (outcome: { data?: Buffer; ended?: true; error?: unknown }) => {
      clearTimeout(timer);
      resolve(outcome);
    };
    socket.once('data', (data: Buffer) => done({ data }));
    socket.once('end', () => done({ ended: true }));
    socket.once('error', (error: unknown) => done({ error }));
    socket.write('hello\n');
  });
}

/** Connects as `client` and returns how the server refused it (an echo or a clean end is an error too). */
export async function attempt(server: RefusingServer, version: TlsVersion, client: IssuedCert | undefined): Promise<Refusal> {
  const started = Date.now();
  let socket: KeyportTlsSocket;
  try {
    socket = await connectAs(server, version, client);
  } catch (error) {
    return { phase: 'handshake', error, elapsedMs: Date.now() - started };
  }
  try {
    const outcome = await firstRead(socket);
    const error = outcome.error ?? new Error(`The server did not refuse: ${outcome.ended ? 'it closed cleanly' : 'it echoed'}`);
    return { phase: 'first read', error, elapsedMs: Date.now() - started };
  } finally {
    socket.destroy();
  }
}

/** The refusal reached us as KEYPORT_TLS_CLIENT_CERT_REJECTED naming the alert, in time, where it should. */
export function expectRejected({ phase, error, elapsedMs }: Refusal, version: TlsVersion, alert: RegExp): void {
  expect(error).toBeInstanceOf(KeyportError);
  expect(error).toMatchObject({ code: 'KEYPORT_TLS_CLIENT_CERT_REJECTED', message: expect.stringMatching(alert) });
  expect(elapsedMs).toBeLessThan(REFUSAL_TIMEOUT_MS);
  expect(phase).toBe(version === 'TLSv1.2' ? 'handshake' : 'first read');
}
