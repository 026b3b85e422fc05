import { KeyportError, type ErrorCode } from '../../../shared/errors';

/** An RFC 7807 problem document as ACME servers send them (RFC 8555 §6.7). */
export interface AcmeProblem {
  type?: string;
  detail?: string;
  status?: number;
  subproblems?: AcmeProblem[];
}

const ACME_ERROR = 'urn:ietf:params:acme:error:';

/** The short ACME error name (`badNonce`, `rateLimited`...), or undefined for non-ACME types. */
export function problemName(problem: AcmeProblem | undefined): string | undefined {
  return problem?.type?.startsWith(ACME_ERROR) ? problem.type.slice(ACME_ERROR.length) : undefined;
}

/** What the server said, for a sentence: its detail, else its type. */
export function problemText(problem: AcmeProblem | undefined): string {
  const detail = problem?.detail?.trim().replace(/\s+/g, ' ').replace(/\.$/, '');
  return detail || problem?.type || 'no detail given';
}

/** Which Keyport code an ACME error name becomes when it ends an operation. */
const CODES: Record<string, ErrorCode> = {
  badNonce: 'KEYPORT_ACME_BAD_NONCE',
  rateLimited: 'KEYPORT_ACME_RATE_LIMITED',
  externalAccountRequired: 'KEYPORT_ACME_EAB_REQUIRED',
  unauthorized: 'KEYPORT_ACME_REJECTED',
  rejectedIdentifier: 'KEYPORT_ACME_REJECTED',
  unsupportedIdentifier: 'KEYPORT_ACME_REJECTED',
  caa: 'KEYPORT_ACME_REJECTED',
  badCSR: 'KEYPORT_ACME_REJECTED',
  malformed: 'KEYPORT_ACME_REJECTED',
  orderNotReady: 'KEYPORT_ACME_ORDER_FAILED',
  serverInternal: 'KEYPORT_ACME_ORDER_FAILED',
};

/** What the user can do about each error, appended to the sentence. */
const ADVICE: Partial<Record<ErrorCode, string>> = {
  KEYPORT_ACME_BAD_NONCE: 'try again',
  KEYPORT_ACME_RATE_LIMITED: 'wait before trying again',
  KEYPORT_ACME_EAB_REQUIRED: 'pass the key id and MAC key your CA gave you with --eab-kid K --eab-hmac-file F',
  KEYPORT_ACME_REJECTED: 'check the names and the CA’s policy',
  KEYPORT_ACME_ORDER_FAILED: 'try again later or ask the CA’s operator',
};

/** A problem document as one sentence with a stable code (the document is its cause); `what` says which step failed. */
export function problemError(what: string, problem: AcmeProblem | undefined, status: number): KeyportError {
  const code = CODES[problemName(problem) ?? ''] ?? 'KEYPORT_ACME_REJECTED';
  const advice = ADVICE[code];
  return new KeyportError(
    code,
    `The ACME server refused to ${what} (HTTP ${status}): ${problemText(problem)}${advice ? `; ${advice}` : ''}.`,
    { cause: problem },
  );
}
