import type { Socket } from 'node:net';
import { isKeyportError, type ErrorCode } from '../../shared/errors';
import { coalescedPipe, type KeyportTlsSocket } from '../tls';
import { CLIENT_SENT_TLS, startsTlsHandshake } from './client-tls';

/** What happened to one spliced connection. */
export interface SpliceResult {
  /** `ok`, or the code of the first failure. */
  result: 'ok' | ErrorCode;
  message?: string;
}

/** Byte counters and the idle limit of one splice. */
export interface SpliceOptions {
  /** Milliseconds without a byte either way before both ends are closed; 0 = never. */
  idleMs: number;
  onUp(bytes: number): void;
  onDown(bytes: number): void;
  /** Aborted when the proxy stops: both ends are closed at once, the client's with a reset (cut, not complete). */
  stop?: AbortSignal;
}

/**
 * Joins a client's plain TCP socket to its upstream TLS socket until both are closed, with
 * backpressure both ways: the client's bytes piped up (each read is sealed and sent as one
 * write), the upstream's records coalesced down (the records of one TCP read leave in one writev,
 * not one write(2) per 16 KB record, from memory reused once the client has them); half-close
 * passed on (client FIN → close_notify + FIN upstream; upstream end → FIN to the client), an
 * upstream reset passed to the client as a reset, idle timeout, and both ends cut when `stop` aborts.
 * A client whose first bytes are a TLS ClientHello is closed with KEYPORT_PROXY_CLIENT_SENT_TLS
 * before any of them go up.
 * The client socket must come from a server with allowHalfOpen.
 */
export function splice(client: Socket, upstream: KeyportTlsSocket, opts: SpliceOptions): Promise<SpliceResult> {
  return new Promise((resolve) => {
    let outcome: SpliceResult | undefined;
    const settle = (r: SpliceResult): void => void (outcome ??= r);
    let open = 2;
    const closed = (): void => {
      if (--open > 0) return;
      opts.stop?.removeEventListener('abort', stopNow); // one signal serves every connection of a route
      resolve(outcome ?? { result: 'ok' });
    };
    client.on('close', closed);
    upstream.on('close', closed);

    // What the client sends before the handshake is done goes up with the client's Finished, or
    // never when the handshake fails: counted once it is done, so a refused session sent nothing.
    let established = false;
    let heldUp = 0;
    let first = true;
    // Registered before the pipe, so a refused first chunk is seen here before the pipe writes it
    // (to an upstream destroyed by then: the write is dropped).
    client.on('data', (b: Buffer) => {
      if (first) {
        first = false;
        if (startsTlsHandshake(b)) return refuseTls();
      }
      if (upstream.destroyed) return; // read and dropped (lingering, below): it goes nowhere
      if (established) opts.onUp(b.length);
      else heldUp += b.length;
    });
    const refuseTls = (): void => {
      settle({ result: 'KEYPORT_PROXY_CLIENT_SENT_TLS', message: CLIENT_SENT_TLS });
      upstream.destroy();
      client.destroy();
    };
    upstream.once('secureConnect', () => {
      established = true;
      if (heldUp > 0) opts.onUp(heldUp);
    });
    upstream.on('data', (b: Buffer) => opts.onDown(b.length));
    client.pipe(upstream);
    coalescedPipe(upstream, client, { end: false, recycle: true });
    let clientEnded = false;
    client.once('end', () => (clientEnded = true));
    upstream.on('end', () => {
      // An upstream that closes on its own without close_notify may have been cut (a reset can read
      // as a plain EOF): the client gets a reset, never a clean end. After the client's own FIN
      // (our close_notify went up), a bare FIN back is the normal answer.
      if (clientEnded || upstream.closeNotifyReceived) return void client.end();
      settle({ result: 'KEYPORT_TLS_CLOSED', message: 'The upstream closed the connection without close_notify; the stream may be cut.' });
      client.resetAndDestroy();
    });

    // The upstream answered and closed while the client still sends (an early answer to an upload:
    // 413, 401): the client has the answer and our FIN. What it sends on is read and dropped for a
    // while, as nginx's lingering close does: closing now would reset it, and a client busy sending
    // may take the reset before it reads the answer.
    upstream.once('close', () => {
      if (client.destroyed || client.readableEnded) return;
      client.unpipe(upstream);
      client.resume();
      const timer = setTimeout(() => client.destroy(), LINGER_MS);
      client.once('close', () => clearTimeout(timer));
    });

    upstream.on('error', (e: Error) => {
      settle({ result: upstreamWasReset(e) ? 'KEYPORT_PROXY_UPSTREAM_RESET' : isKeyportError(e) ? e.code : 'KEYPORT_TLS_CLOSED', message: e.message });
      // A stream that broke (reset, or cut without close_notify mid-record) must not look complete
      // to the client: it gets a reset. A failed handshake just closes (nothing was said yet).
      if (established) client.resetAndDestroy();
      else client.destroy();
    });
    client.on('error', (e: NodeJS.ErrnoException) => {
      settle({ result: 'KEYPORT_PROXY_CLIENT_RESET', message: `The client's connection failed: ${e.code ?? e.message}.` });
      upstream.destroy();
    });
    const stopNow = (): void => {
      settle({ result: 'KEYPORT_PROXY_STOPPED', message: 'The proxy stopped; its open connections were cut.' });
      client.resetAndDestroy();
      upstream.destroy();
    };
    if (opts.stop?.aborted) stopNow();
    else opts.stop?.addEventListener('abort', stopNow, { once: true });
    if (opts.idleMs > 0) {
      client.setTimeout(opts.idleMs, () => {
        settle({ result: 'KEYPORT_PROXY_IDLE_TIMEOUT', message: `No data either way for ${opts.idleMs / 1000} s; the proxy closed the connection.` });
        client.destroy();
        upstream.destroy();
      });
    }
  });
}

/** How long a client may go on sending to an upstream that closed (see splice). */
const LINGER_MS = 5000;

/** The TLS socket wraps transport errors; a reset shows as its cause's code. */
function upstreamWasReset(e: Error): boolean {
  const cause = (e as { cause?: NodeJS.ErrnoException }).cause;
  return cause?.code === 'ECONNRESET';
}
