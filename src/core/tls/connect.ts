import { isIP } from 'node:net';
import { KeyportError } from '../../shared/errors';
import { readCertificates } from '../pki/pem';
import { DEFAULT_GROUPS } from './key-share';
import { sessionKey } from './session-cache';
import { KeyportTlsSocket } from './socket';
import { openTcp } from './tcp-transport';
import type { Signer } from '../keystores/types';
import type { ConnectOptions, HandshakeConfig } from './types';

const DEFAULT_TIMEOUT_MS = 30_000;
/** RFC 8446 §5.5: AES-GCM keys are good for 2^24.5 full records; update well before. */
const DEFAULT_KEY_UPDATE_RECORDS = 2 ** 24;

/**
 * Opens a TLS connection whose client authentication is signed by `opts.signer`, or by the
 * identity `opts.selectIdentity` picks from the server's CertificateRequest.
 * Resolves once the handshake is done; rejects with a KeyportError naming what failed.
 */
export function connect(opts: ConnectOptions): Promise<KeyportTlsSocket> {
  return new Promise((resolve, reject) => {
    let socket: KeyportTlsSocket;
    try {
      socket = createConnectionFor(opts);
    } catch (e) {
      reject(e);
      return;
    }
    const onError = (e: Error): void => reject(e);
    socket.once('error', onError);
    socket.once('secureConnect', () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

/**
 * The socket at once, handshaking underneath: writes wait for the handshake. Fits
 * `createConnection` of `node:http`/`node:https` agents and requests.
 */
export function createConnectionFor(opts: ConnectOptions): KeyportTlsSocket {
  const cfg = handshakeConfig(opts);
  // Our own TCP connection reads into one reused buffer; a given stream is read as it is.
  const transport = opts.socket ?? openTcp(opts.host, opts.port, (chunk) => tls.receiveBorrowed(chunk));
  const tls = new KeyportTlsSocket(transport, cfg, {
    timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    keyUpdateAfterRecords: opts.keyUpdateAfterRecords ?? DEFAULT_KEY_UPDATE_RECORDS,
    connecting: !opts.socket,
  });
  return tls;
}

/** Options with defaults applied and inputs checked. */
function handshakeConfig(opts: ConnectOptions): HandshakeConfig {
  const min = opts.minVersion ?? 'TLSv1.2';
  const max = opts.maxVersion ?? 'TLSv1.3';
  if (min === 'TLSv1.3' && max === 'TLSv1.2') {
    throw new KeyportError('KEYPORT_INVALID_ARGUMENT', 'minVersion TLSv1.3 is above maxVersion TLSv1.2; pick a range that holds a version.');
  }
  if (!opts.host || !Number.isInteger(opts.port) || opts.port <= 0 || opts.port > 65535) {
    throw new KeyportError('KEYPORT_INVALID_ARGUMENT', `Cannot connect to "${opts.host}:${opts.port}": give a host and a port from 1 to 65535.`);
  }
  const { signer, chain } = fixedIdentity(opts);
  const verifyName = opts.servername ?? opts.host;
  // Tickets of selected identities share one key of their own: never resumed as another identity or anonymously.
  const session = opts.selectIdentity
    ? `${opts.host}:${opts.port}:${verifyName}:selected`
    : sessionKey(opts.host, opts.port, verifyName, chain[0]);
  return {
    host: opts.host,
    port: opts.port,
    ...(isIP(verifyName) ? {} : { sni: verifyName }),
    verifyName,
    ca: (opts.ca ?? []).flatMap(caCertificates),
    ...(opts.useSystemStore !== undefined ? { useSystemStore: opts.useSystemStore } : {}),
    ...(opts.alpn?.length ? { alpn: opts.alpn } : {}),
    ...(signer ? { signer } : {}),
    chain,
    ...(opts.selectIdentity ? { selectIdentity: opts.selectIdentity } : {}),
    offer13: max === 'TLSv1.3',
    offer12: min === 'TLSv1.2',
    groups: opts.groups?.length ? opts.groups : [...DEFAULT_GROUPS],
    ...(opts.sessionCache ? { sessionCache: opts.sessionCache } : {}),
    sessionKey: session,
    rejectUnauthorized: opts.rejectUnauthorized ?? true,
    allowTls12WithoutEms: opts.allowTls12WithoutEms ?? false,
  };
}

/** Certificates of each CA buffer, decoded once: a proxy route passes the same buffers to every connection. */
const decodedCa = new WeakMap<Buffer, Buffer[]>();

function caCertificates(ca: Buffer, index: number): Buffer[] {
  let certs = decodedCa.get(ca);
  if (!certs) decodedCa.set(ca, (certs = readCertificates(ca, `CA certificate #${index + 1}`)));
  return certs;
}

/** The client identity given up front: `identity`, or `signer` with `chain` (none with `selectIdentity`). */
function fixedIdentity(opts: ConnectOptions): { signer?: Signer; chain: Buffer[] } {
  const ways = [opts.identity, opts.signer ?? opts.chain?.[0], opts.selectIdentity].filter((w) => w !== undefined);
  if (ways.length > 1) {
    throw new KeyportError('KEYPORT_INVALID_ARGUMENT', 'Give the client identity one way only: identity, signer with chain, or selectIdentity.');
  }
  const signer = opts.identity?.signer ?? opts.signer;
  const chain = opts.identity?.chain ?? opts.chain ?? [];
  if (signer && chain.length === 0) {
    throw new KeyportError('KEYPORT_INVALID_ARGUMENT', "A client key was given without its certificate chain; pass the identity's chain too.");
  }
  return signer ? { signer, chain } : { chain };
}
