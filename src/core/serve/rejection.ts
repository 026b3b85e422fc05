/**
 * A request the server refuses before it reaches the contract: an HTTP status plus the stable
 * code and one sentence, so the UI can show it like any other failed Result.
 */
import type { ErrorCode } from '../../shared/errors';

/** Why a request is refused, and with which HTTP status. */
export interface Rejection {
  status: number;
  code: ErrorCode;
  message: string;
}

/** Builds a Rejection; a small helper so call sites read as one line. */
export function reject(status: number, code: ErrorCode, message: string): Rejection {
  return { status, code, message };
}
