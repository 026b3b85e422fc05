import { KeyportError, type ErrorCode } from '../../shared/errors';

/**
 * A KeyportError raised by the TLS client. `alert` is the alert we send the peer before
 * closing (undefined when the peer already closed or sent the alert itself).
 */
export class TlsError extends KeyportError {
  readonly alert: number | undefined;
  /** When the server's chain failed our checks: the chain as it sent it, DER, leaf first (for diagnosis). */
  peerChain?: Buffer[];

  constructor(code: ErrorCode, message: string, alert?: number, options?: { cause?: unknown }) {
    super(code, message, options);
    this.alert = alert;
  }
}

/** A protocol violation by the server: we answer with `alert` and report one sentence. */
export function protocolError(message: string, alert: number): TlsError {
  return new TlsError('KEYPORT_TLS_PROTOCOL', message, alert);
}
