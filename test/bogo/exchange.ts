import { connect as tcpConnect, type Socket } from 'node:net';
import { connect, SessionCache, type KeyportTlsSocket, type SessionTicket } from '../../src/core/tls';
import { checkHandshake, CheckFailed, type PriorConnection } from './checks';
import { Unimplemented, type ConnFlags } from './flags';
import { connectOptions } from './options';

/** What the shim writes first with -shim-writes-first (runner.go shimInitialWrite). */
const INITIAL_WRITE = 'hello';
/** -write-different-record-sizes (bssl_shim.cc): sizes around record and buffer boundaries. */
const RECORD_SIZES = [0, 1, 255, 256, 257, 16383, 16384, 16385, 32767, 32768, 32769];
/** How long to wait for the runner to close after our close_notify. */
const CLOSE_TIMEOUT_MS = 15_000;

/** A SessionCache that counts the tickets it was given (BoringSSL's new-session callback). */
export class CountingSessionCache extends SessionCache {
  received = 0;

  override put(key: string, ticket: SessionTicket): void {
    this.received++;
    super.put(key, ticket);
  }
}

/** Connects to the runner like bssl_shim's Connect(): ::1 first, then 127.0.0.1. */
async function openTransport(port: number): Promise<{ socket: Socket; host: string }> {
  let lastError: unknown;
  for (const host of ['::1', '127.0.0.1']) {
    try {
      const socket = await new Promise<Socket>((resolve, reject) => {
        const s = tcpConnect({ host, port, noDelay: true });
        s.once('connect', () => resolve(s)).once('error', reject);
      });
      return { socket, host };
    } catch (e) {
      lastError = e;
    }
  }
  throw lastError;
}

function xorAll(chunk: Buffer): Buffer {
  const out = Buffer.allocUnsafe(chunk.length);
  for (let i = 0; i < chunk.length; i++) out[i] = (chunk[i] as number) ^ 0xff;
  return out;
}

/** Echoes what the runner sends, each byte XOR 0xff, until the runner closes. */
function echoUntilEnd(tls: KeyportTlsSocket, keyUpdate: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    if (tls.destroyed) return reject(closedEarly(tls));
    tls.on('data', (chunk: Buffer) => {
      try {
        if (keyUpdate) tls.keyUpdate(false);
        tls.write(xorAll(chunk));
      } catch (e) {
        reject(e);
      }
    });
    tls.once('end', resolve);
    tls.once('error', reject);
    tls.once('close', () => reject(closedEarly(tls)));
  });
}

function closedEarly(tls: KeyportTlsSocket): Error {
  return tls.errored ?? new CheckFailed('The connection closed before the runner finished.');
}

function receivedCloseNotify(tls: KeyportTlsSocket): boolean {
  return tls.trace.some((e) => e.direction === 'received' && e.kind === 'alert' && e.type.includes('close_notify'));
}

/**
 * The shim closes first (-shim-shuts-down): our close_notify, then, with -check-close-notify,
 * the runner's; application data in between is an error, as in BoringSSL's SSL_shutdown.
 */
function shutDownFirst(tls: KeyportTlsSocket, check: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    if (tls.destroyed) return check ? reject(closedEarly(tls)) : resolve();
    tls.on('data', () => {
      if (check) reject(new CheckFailed('APPLICATION_DATA_ON_SHUTDOWN: data arrived after our close_notify.'));
    });
    tls.once('error', (e) => (check ? reject(e) : resolve()));
    tls.once('end', () => {
      if (check && !receivedCloseNotify(tls)) reject(new CheckFailed('Unexpected SSL_shutdown result: -1 != 1 (no close_notify).'));
      else resolve();
    });
    tls.once('close', () => resolve());
    tls.end();
  });
}

function waitClosed(transport: Socket): Promise<void> {
  if (transport.closed) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      transport.destroy();
      resolve();
    }, CLOSE_TIMEOUT_MS);
    transport.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function writeAll(tls: KeyportTlsSocket, data: Buffer): Promise<void> {
  await new Promise<void>((resolve, reject) => tls.write(data, (e) => (e ? reject(e) : resolve())));
}

/** TLS 1.3 tickets: BoringSSL's client expects one unless -expect-no-session (not checked when the shim shuts down first). */
function checkTickets(f: ConnFlags, tls: KeyportTlsSocket, got: boolean): void {
  if (tls.tlsInfo.version !== 'TLSv1.3' || f.has('-shim-shuts-down')) return;
  const expected = !f.has('-expect-no-session');
  if (got !== expected) throw new CheckFailed(`new session was${got ? '' : ' not'} cached, but we expected the opposite`);
}

/**
 * One connection of a shim run (bssl_shim.cc DoConnection/DoExchange): handshake, checks,
 * the data exchange the runner expects, shutdown. Returns what resumption checks need.
 */
export async function runConnection(
  f: ConnFlags,
  port: number,
  cache: CountingSessionCache,
  prior: PriorConnection | undefined,
): Promise<PriorConnection> {
  const isResume = prior !== undefined;
  if (isResume && prior.version === 'TLSv1.2' && !f.has('-expect-session-miss')) {
    throw new Unimplemented('TLS 1.2 session resumption is not supported (1.3 tickets only)');
  }
  const { socket: transport, host } = await openTransport(port);
  try {
    const ticketsBefore = cache.received;
    const tls = await connect({ ...connectOptions(f, host, port), socket: transport, sessionCache: cache });
    // Errors after the handshake reach the waits below; this keeps one between them from crashing us.
    tls.on('error', () => {});
    checkHandshake(tls.tlsInfo, f, isResume, prior);

    if (f.has('-shim-writes-first')) await writeAll(tls, Buffer.from(INITIAL_WRITE));
    if (f.has('-write-different-record-sizes')) {
      for (const size of RECORD_SIZES) if (size > 0) await writeAll(tls, Buffer.alloc(size, 0x42));
    }
    if (f.has('-shim-shuts-down') || f.has('-write-different-record-sizes')) {
      checkTickets(f, tls, cache.received > ticketsBefore);
      await shutDownFirst(tls, f.has('-check-close-notify'));
    } else {
      await echoUntilEnd(tls, f.has('-key-update'));
      checkTickets(f, tls, cache.received > ticketsBefore);
      if (f.has('-check-close-notify') && !receivedCloseNotify(tls)) {
        throw new CheckFailed('Unexpected SSL_shutdown result: -1 != 1 (no close_notify).');
      }
    }
    await waitClosed(transport);
    const { version, serverSignatureScheme } = tls.tlsInfo;
    return { version, serverSignatureScheme: serverSignatureScheme ?? prior?.serverSignatureScheme };
  } finally {
    transport.destroy();
  }
}
