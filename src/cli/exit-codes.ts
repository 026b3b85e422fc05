import type { ErrorCode } from '../shared/errors';

/**
 * Exit codes scripts can branch on. 1 is any other failure; 2 is a usage error (also what the
 * argument parser uses).
 */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  notFound: 3,
  badSecret: 4,
  backendUnavailable: 5,
  badInput: 6,
  rejected: 7,
} as const;

const BY_CODE: Partial<Record<ErrorCode, number>> = {
  KEYPORT_INVALID_ARGUMENT: ExitCode.usage,
  KEYPORT_INVALID_REQUEST: ExitCode.usage,
  KEYPORT_NOT_FOUND: ExitCode.notFound,
  KEYPORT_TOKEN_NOT_FOUND: ExitCode.notFound,
  KEYPORT_KEY_NOT_ON_TOKEN: ExitCode.notFound,
  KEYPORT_NO_MATCHING_IDENTITY: ExitCode.notFound,
  KEYPORT_PIN_INCORRECT: ExitCode.badSecret,
  KEYPORT_PIN_LOCKED: ExitCode.badSecret,
  KEYPORT_PIN_REQUIRED: ExitCode.badSecret,
  KEYPORT_PKCS12_WRONG_PASSWORD: ExitCode.badSecret,
  KEYPORT_KEY_WRONG_PASSWORD: ExitCode.badSecret,
  KEYPORT_KEY_PASSWORD_REQUIRED: ExitCode.badSecret,
  KEYPORT_KEYCHAIN_UNAVAILABLE: ExitCode.backendUnavailable,
  KEYPORT_KEYCHAIN_LOCKED: ExitCode.backendUnavailable,
  KEYPORT_PKCS11_MODULE_INVALID: ExitCode.backendUnavailable,
  KEYPORT_PKCS11_MODULE_NOT_FOUND: ExitCode.backendUnavailable,
  KEYPORT_TOKEN_REMOVED: ExitCode.backendUnavailable,
  KEYPORT_TOKEN_ERROR: ExitCode.backendUnavailable,
  KEYPORT_TOKENHOST_CRASHED: ExitCode.backendUnavailable,
  KEYPORT_TOKENHOST_TIMEOUT: ExitCode.backendUnavailable,
  KEYPORT_FILE_UNREADABLE: ExitCode.badInput,
  KEYPORT_FILE_TOO_LARGE: ExitCode.badInput,
  KEYPORT_FILE_UNWRITABLE: ExitCode.badInput,
  KEYPORT_PEM_INVALID: ExitCode.badInput,
  KEYPORT_CERT_INVALID: ExitCode.badInput,
  KEYPORT_KEY_INVALID: ExitCode.badInput,
  KEYPORT_KEY_MISMATCH: ExitCode.badInput,
  KEYPORT_KEY_UNSUPPORTED: ExitCode.badInput,
  KEYPORT_PKCS12_INVALID: ExitCode.badInput,
  KEYPORT_PKCS12_NO_KEY: ExitCode.badInput,
  KEYPORT_PKCS12_UNSUPPORTED: ExitCode.badInput,
  KEYPORT_ALREADY_EXISTS: ExitCode.rejected,
  KEYPORT_EXPORT_NOT_ALLOWED: ExitCode.rejected,
  // enrollment and renewal
  KEYPORT_ENROLL_CA_UNREACHABLE: ExitCode.backendUnavailable,
  KEYPORT_ENROLL_REFUSED: ExitCode.rejected,
  KEYPORT_RENEW_EXPIRED: ExitCode.rejected,
  KEYPORT_RENEWAL_NOT_CONFIGURED: ExitCode.notFound,
  // ACME enrollment
  KEYPORT_ACME_UNREACHABLE: ExitCode.backendUnavailable,
  KEYPORT_ACME_DIRECTORY_INVALID: ExitCode.badInput,
  KEYPORT_ACME_EAB_REQUIRED: ExitCode.usage,
  KEYPORT_ACME_EAB_REFUSED: ExitCode.badSecret,
  KEYPORT_ACME_CHALLENGE_FAILED: ExitCode.rejected,
  KEYPORT_ACME_REJECTED: ExitCode.rejected,
  KEYPORT_PROXY_CONFIG_INVALID: ExitCode.badInput,
  KEYPORT_PROXY_NON_LOOPBACK: ExitCode.rejected,
  KEYPORT_PROXY_PORT_IN_USE: ExitCode.backendUnavailable,
  KEYPORT_PROXY_NOT_RUNNING: ExitCode.notFound,
  KEYPORT_PROXY_IDENTITY_IN_USE: ExitCode.rejected,
};

/** The process exit code for a Keyport error code. */
export function exitCodeFor(code: ErrorCode): number {
  return BY_CODE[code] ?? ExitCode.failure;
}
