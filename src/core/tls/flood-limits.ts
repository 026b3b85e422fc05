import { AlertDescription } from './constants';
import { protocolError } from './tls-error';

/** Consecutive empty records allowed (BoringSSL's kMaxEmptyRecords). */
export const MAX_EMPTY_RECORDS = 32;
/** Consecutive warning alerts allowed (BoringSSL's kMaxWarningAlerts). */
export const MAX_WARNING_ALERTS = 4;
/** KeyUpdates allowed without application data in between (BoringSSL's kMaxKeyUpdates). */
export const MAX_KEY_UPDATES = 32;

/**
 * Caps on records that carry no application data, so a hostile server cannot keep the
 * client busy forever with empty records, warning alerts or KeyUpdates.
 */
export class FloodLimits {
  private empty = 0;
  private warnings = 0;
  private keyUpdates = 0;

  /** Every decrypted record: counts empty ones; any record but an alert ends a run of warnings. */
  onRecord(isAlert: boolean, length: number): void {
    if (!isAlert) this.warnings = 0;
    if (length > 0) {
      this.empty = 0;
      return;
    }
    if (++this.empty > MAX_EMPTY_RECORDS) throw tooMany(`${MAX_EMPTY_RECORDS} empty records`);
  }

  /** A warning alert that is ignored. */
  onWarningAlert(): void {
    if (++this.warnings > MAX_WARNING_ALERTS) throw tooMany(`${MAX_WARNING_ALERTS} warning alerts`);
  }

  /** A KeyUpdate from the server. */
  onKeyUpdate(): void {
    if (++this.keyUpdates > MAX_KEY_UPDATES) throw tooMany(`${MAX_KEY_UPDATES} KeyUpdates`);
  }

  /** Application data from the server: it is making progress. */
  onApplicationData(): void {
    this.keyUpdates = 0;
  }
}

function tooMany(what: string): Error {
  return protocolError(`The server sent more than ${what} in a row without data; it looks hostile.`, AlertDescription.unexpected_message);
}
