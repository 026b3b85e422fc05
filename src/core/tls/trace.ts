import { performance } from 'node:perf_hooks';
import { AlertNames, HandshakeNames } from './constants';

/** One handshake message, ChangeCipherSpec or alert, sent or received. */
export interface TraceEvent {
  /** Milliseconds since connect() started. */
  ms: number;
  direction: 'sent' | 'received';
  kind: 'handshake' | 'change_cipher_spec' | 'alert';
  /** e.g. "ClientHello", "ChangeCipherSpec", "fatal bad_certificate(42)". */
  type: string;
  /** Bytes of the message (handshake: body plus its 4-byte header). */
  length: number;
  /** What a message carried, where that matters (our Certificate: which identity a selector chose). */
  detail?: string;
}

/** Long-lived connections keep only the first events (KeyUpdates could otherwise pile up). */
const MAX_EVENTS = 512;

/** Collects TraceEvents for one connection. */
export class Trace {
  readonly events: TraceEvent[] = [];
  private readonly start = performance.now();

  handshake(direction: TraceEvent['direction'], type: number, length: number): void {
    this.add(direction, 'handshake', HandshakeNames[type] ?? `handshake(${type})`, length);
  }

  changeCipherSpec(direction: TraceEvent['direction']): void {
    this.add(direction, 'change_cipher_spec', 'ChangeCipherSpec', 1);
  }

  alert(direction: TraceEvent['direction'], level: number, description: number): void {
    const name = `${level === 1 ? 'warning' : 'fatal'} ${AlertNames[description] ?? 'unknown'}(${description})`;
    this.add(direction, 'alert', name, 2);
  }

  private add(direction: TraceEvent['direction'], kind: TraceEvent['kind'], type: string, length: number): void {
    if (this.events.length >= MAX_EVENTS) return;
    this.events.push({ ms: Math.round((performance.now() - this.start) * 100) / 100, direction, kind, type, length });
  }
}
