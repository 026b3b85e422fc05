import type { Socket } from 'node:net';
import { createConnectionFor, type CertificateRequestDetails, type ClientIdentity, type KeyportTlsSocket } from '../../tls';

/** The first bytes the server sends (for "not TLS" and the ServerHello as sent), kept as they arrive. */
export const FIRST_BYTES = 512;

/** What a handshake is given and what it leaves behind, even when it fails. */
export interface HandshakeSpec {
  socket: Socket;
  host: string;
  port: number;
  servername?: string;
  /** ALPN protocols offered; none when empty. */
  alpn: string[];
  ca: Buffer[];
  timeoutMs: number;
  allowTls12WithoutEms: boolean;
  /** Answers the CertificateRequest (undefined: an empty Certificate). */
  answer(request: CertificateRequestDetails): Promise<ClientIdentity | undefined>;
}

/** What the handshake saw, filled in as it goes: kept when it fails. */
export interface HandshakeObservations {
  firstBytes: Buffer;
  request?: CertificateRequestDetails;
  tls?: KeyportTlsSocket;
}

/** The TLS handshake over an open TCP socket; `seen` collects what it observed, failure or not. */
export function handshake(spec: HandshakeSpec, seen: HandshakeObservations): Promise<KeyportTlsSocket> {
  const onData = (chunk: Buffer): void => {
    if (seen.firstBytes.length >= FIRST_BYTES) return void spec.socket.off('data', onData);
    seen.firstBytes = Buffer.concat([seen.firstBytes, chunk]).subarray(0, FIRST_BYTES);
  };
  spec.socket.on('data', onData);
  const tls = createConnectionFor({
    socket: spec.socket,
    host: spec.host,
    port: spec.port,
    ...(spec.servername ? { servername: spec.servername } : {}),
    ca: spec.ca,
    alpn: spec.alpn,
    timeoutMs: spec.timeoutMs,
    allowTls12WithoutEms: spec.allowTls12WithoutEms,
    selectIdentity: (request) => {
      seen.request = request;
      return spec.answer(request);
    },
  });
  seen.tls = tls; // its trace holds the alerts even when the handshake fails
  return new Promise((resolve, reject) => {
    tls.once('error', reject);
    tls.once('secureConnect', () => {
      tls.off('error', reject);
      resolve(tls);
    });
  });
}
