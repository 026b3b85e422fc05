import { KeyportError } from '../../shared/errors';
import { EMPTY_CERTIFICATE } from './client-identity';
import { TlsError } from './tls-error';
import type { TraceEvent } from './trace';

/** Servers such as Node's drop a client certificate they refuse without an alert: say so once we sent one. */
export function droppedHint(trace: readonly TraceEvent[]): string {
  const sentCertificate = trace.some((e) => e.direction === 'sent' && e.type === 'Certificate' && e.detail !== EMPTY_CERTIFICATE);
  return sentCertificate
    ? 'it probably refused our client certificate (check which CA it trusts for client certificates), or dropped us for another reason; check its log'
    : 'it may not speak TLS on this port, or it dropped us; check its log';
}

/** What a failure of the TCP transport to `where` means: it never connected, or it broke. */
export function transportError(e: Error, where: string, s: { connecting: boolean; dataReceived: boolean; trace: readonly TraceEvent[] }): KeyportError {
  const detail = (e as NodeJS.ErrnoException).code ?? e.message;
  if (s.connecting) {
    return new KeyportError('KEYPORT_TLS_CONNECT_FAILED', `Cannot connect to ${where}: ${e.message} (${detail}); check the host, port and network.`, { cause: e });
  }
  // A reset before the server said anything: its alert, if any, was lost with the connection.
  const reset = (detail === 'EPIPE' || detail === 'ECONNRESET') && !s.dataReceived;
  const hint = reset ? `; ${droppedHint(s.trace)}` : '';
  return new KeyportError('KEYPORT_TLS_CLOSED', `The connection to ${where} failed: ${detail}${hint}.`, { cause: e });
}

/** A handshake with `where` that took longer than `ms`, naming the step it waited in. */
export function handshakeTimeout(where: string, ms: number, step: string): TlsError {
  const hint = step.includes('sign')
    ? 'the key or its token may be waiting for a PIN or touch, or be unplugged'
    : 'the server may be overloaded, firewalled, or not speak TLS on this port';
  return new TlsError('KEYPORT_TLS_TIMEOUT', `The TLS handshake with ${where} timed out after ${ms} ms ${step}; ${hint}.`);
}
