/**
 * PINs for the app: when a token needs a login, the broker publishes `pin.required` and waits for
 * the UI's `pin.answer`. The PIN goes straight to the waiting login and is never kept; a request
 * nobody answers in time fails with KEYPORT_PIN_REQUIRED, so an operation never hangs.
 */
import { randomUUID } from 'node:crypto';
import { KeyportError } from '../../shared/errors';
import type { EventHub } from '../../shared/events';
import type { PinClosed } from '../../shared/views';
import type { PinSource } from '../keystores/pkcs11';

/** How long a PIN request waits for an answer by default. */
export const PIN_REQUEST_TIMEOUT_MS = 120_000;

interface Waiting {
  token: string;
  resolve(pin: string): void;
  reject(error: KeyportError): void;
  timer: NodeJS.Timeout;
}

/** Hands PIN requests to the UI and its answers back to the waiting logins. */
export class PinBroker {
  private readonly waiting = new Map<string, Waiting>();

  constructor(
    private readonly events: EventHub,
    private readonly timeoutMs = PIN_REQUEST_TIMEOUT_MS,
  ) {}

  /** The PIN source for the core's token key store. */
  readonly source: PinSource = ({ module, token }) =>
    new Promise<string>((resolve, reject) => {
      const requestId = randomUUID();
      const timer = setTimeout(() => {
        this.settle(requestId, 'timeout')?.reject(
          new KeyportError('KEYPORT_PIN_REQUIRED', `Token "${token}" needs its PIN and none was entered within ${Math.round(this.timeoutMs / 1000)} s; try again.`),
        );
      }, this.timeoutMs);
      timer.unref();
      this.waiting.set(requestId, { token, resolve, reject, timer });
      this.events.emit('pin.required', { requestId, module, token, expiresInMs: this.timeoutMs });
    });

  /** Gives the PIN to request `requestId`; false when it is not waiting (any more). */
  answer(requestId: string, pin: string): boolean {
    const request = this.settle(requestId, 'answered');
    request?.resolve(pin);
    return request !== undefined;
  }

  /** The user declined: the waiting operation fails with KEYPORT_PIN_REQUIRED. */
  cancel(requestId: string): boolean {
    const request = this.settle(requestId, 'cancelled');
    request?.reject(new KeyportError('KEYPORT_PIN_REQUIRED', `Token "${request.token}" needs its PIN; the PIN prompt was cancelled.`));
    return request !== undefined;
  }

  /** Cancels every waiting request (quit). */
  cancelAll(): void {
    for (const requestId of [...this.waiting.keys()]) this.cancel(requestId);
  }

  /** Removes a request and tells the UI its dialog can close. */
  private settle(requestId: string, reason: PinClosed['reason']): Waiting | undefined {
    const request = this.waiting.get(requestId);
    if (!request) return undefined;
    this.waiting.delete(requestId);
    clearTimeout(request.timer);
    this.events.emit('pin.closed', { requestId, reason });
    return request;
  }
}
