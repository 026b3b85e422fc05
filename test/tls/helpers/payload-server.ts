import { memorySigner } from '../../../src/core/keystores/memory-signer';
import { connect, type KeyportTlsSocket } from '../../../src/core/tls';
import { createPki } from './pki';
import { startNodeTls } from './servers';

/** A node:tls server that requires a client certificate and sends `payload` to every connection, then ends. */
export interface PayloadServer {
  /** A Keyport connection to it on exactly `version`, with a client certificate it trusts. */
  open(version: 'TLSv1.2' | 'TLSv1.3'): Promise<KeyportTlsSocket>;
  stop(): Promise<void>;
}

/**
 * Starts a PayloadServer on a fresh PKI whose client certificate is named `clientName`; with
 * `endAfterMs` its close_notify comes that long after the payload, in a read of its own.
 */
export async function startPayloadServer(payload: Buffer, clientName: string, endAfterMs?: number): Promise<PayloadServer> {
  const pki = createPki();
  const serverCert = pki.issue({ name: 'localhost', kind: 'ec', usage: 'server' });
  const client = pki.issue({ name: clientName, kind: 'ec', usage: 'client' });
  const server = await startNodeTls(
    { cert: serverCert.certPem, key: serverCert.keyPem, ca: pki.ca.certPem, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' },
    (s) => (endAfterMs === undefined ? s.end(payload) : (s.write(payload), setTimeout(() => s.end(), endAfterMs))),
  );
  return {
    open: (version) =>
      connect({ host: '127.0.0.1', port: server.port, servername: 'localhost', ca: [pki.ca.certPem], signer: memorySigner(client.key), chain: [client.certDer], minVersion: version, maxVersion: version }),
    async stop() {
      await server.stop();
      pki.cleanup();
    },
  };
}
