/**
 * Stable error codes. A code never changes meaning once released; add new ones instead.
 * Every failure Keyport reports carries one of these plus one sentence naming the cause
 * and what to do.
 */
export const ErrorCodes = [
  'KEYPORT_INVALID_ARGUMENT',
  'KEYPORT_INVALID_REQUEST',
  'KEYPORT_NOT_FOUND',
  'KEYPORT_ALREADY_EXISTS',
  'KEYPORT_INTERNAL',
  'KEYPORT_FORBIDDEN',
  'KEYPORT_UNAVAILABLE',
  // files and formats
  'KEYPORT_FILE_UNREADABLE',
  'KEYPORT_FILE_TOO_LARGE',
  'KEYPORT_PEM_INVALID',
  'KEYPORT_CERT_INVALID',
  'KEYPORT_KEY_INVALID',
  'KEYPORT_KEY_MISMATCH',
  'KEYPORT_KEY_UNSUPPORTED',
  'KEYPORT_CSR_INVALID',
  'KEYPORT_PKCS12_WRONG_PASSWORD',
  'KEYPORT_PKCS12_INVALID',
  'KEYPORT_PKCS12_NO_KEY',
  'KEYPORT_PKCS12_UNSUPPORTED',
  'KEYPORT_EXPORT_NOT_ALLOWED',
  'KEYPORT_KEY_WRONG_PASSWORD',
  'KEYPORT_KEY_PASSWORD_REQUIRED',
  'KEYPORT_FILE_UNWRITABLE',
  // registry
  'KEYPORT_REGISTRY_CORRUPT',
  'KEYPORT_REGISTRY_LOCKED',
  'KEYPORT_REGISTRY_NEWER_SCHEMA',
  // keychain
  'KEYPORT_KEYCHAIN_UNAVAILABLE',
  'KEYPORT_KEYCHAIN_LOCKED',
  'KEYPORT_KEYCHAIN_KEY_MISSING',
  // PKCS#11 and the token host
  'KEYPORT_PKCS11_MODULE_INVALID',
  'KEYPORT_PKCS11_MODULE_NOT_FOUND',
  'KEYPORT_TOKEN_NOT_FOUND',
  'KEYPORT_TOKEN_REMOVED',
  'KEYPORT_TOKEN_ERROR',
  'KEYPORT_PIN_REQUIRED',
  'KEYPORT_PIN_INCORRECT',
  'KEYPORT_PIN_LOCKED',
  'KEYPORT_KEY_NOT_ON_TOKEN',
  'KEYPORT_MECHANISM_UNSUPPORTED',
  'KEYPORT_TOKENHOST_CRASHED',
  'KEYPORT_TOKENHOST_TIMEOUT',
  // signing
  'KEYPORT_SIGN_SCHEME_UNSUPPORTED',
  'KEYPORT_SIGN_FAILED',
  // TLS
  'KEYPORT_TLS_CONNECT_FAILED',
  'KEYPORT_TLS_TIMEOUT',
  'KEYPORT_TLS_PROTOCOL',
  'KEYPORT_TLS_ALERT',
  'KEYPORT_TLS_BAD_CERTIFICATE',
  'KEYPORT_TLS_UNKNOWN_CA',
  'KEYPORT_TLS_CERT_EXPIRED',
  'KEYPORT_TLS_HOSTNAME_MISMATCH',
  'KEYPORT_TLS_CLIENT_CERT_REJECTED',
  'KEYPORT_TLS_DECRYPT_ERROR',
  'KEYPORT_TLS_HANDSHAKE_FAILURE',
  'KEYPORT_TLS_CLOSED',
  'KEYPORT_NO_MATCHING_IDENTITY',
  // enrollment and renewal (src/core/enroll: step-ca, scheduler, roots)
  'KEYPORT_ENROLL_CA_UNREACHABLE',
  'KEYPORT_ENROLL_REFUSED',
  'KEYPORT_ENROLL_BAD_RESPONSE',
  'KEYPORT_ENROLL_CHAIN_INVALID',
  'KEYPORT_RENEW_EXPIRED',
  'KEYPORT_RENEWAL_NOT_CONFIGURED',
  // ACME enrollment (src/core/enroll/acme)
  'KEYPORT_ACME_UNREACHABLE',
  'KEYPORT_ACME_DIRECTORY_INVALID',
  'KEYPORT_ACME_CHALLENGE_FAILED',
  'KEYPORT_ACME_EAB_REQUIRED',
  'KEYPORT_ACME_EAB_REFUSED',
  'KEYPORT_ACME_RATE_LIMITED',
  'KEYPORT_ACME_BAD_NONCE',
  'KEYPORT_ACME_REJECTED',
  'KEYPORT_ACME_ORDER_FAILED',
  'KEYPORT_ACME_TIMEOUT',
  // local proxy (issue 10)
  'KEYPORT_PROXY_CONFIG_INVALID',
  'KEYPORT_PROXY_NON_LOOPBACK',
  'KEYPORT_PROXY_PORT_IN_USE',
  'KEYPORT_PROXY_ROUTE_FULL',
  'KEYPORT_PROXY_IDLE_TIMEOUT',
  'KEYPORT_PROXY_HOST_NOT_ROUTED',
  'KEYPORT_PROXY_CONNECT_REFUSED',
  'KEYPORT_PROXY_UPSTREAM_RESET',
  'KEYPORT_PROXY_CLIENT_RESET',
  'KEYPORT_PROXY_NOT_RUNNING',
  'KEYPORT_PROXY_STOPPED',
  'KEYPORT_PROXY_IDENTITY_IN_USE',
  'KEYPORT_PROXY_CLIENT_SENT_TLS',
  'KEYPORT_PROXY_UPSTREAM_NOT_HTTP',
  // connection doctor: probes and saved endpoints
  'KEYPORT_DNS_FAILED',
  'KEYPORT_ENDPOINTS_CORRUPT',
  'KEYPORT_ENDPOINTS_NEWER_SCHEMA',
] as const;

export type ErrorCode = (typeof ErrorCodes)[number];

/** The error every Keyport operation throws: a stable code and one human sentence. */
export class KeyportError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KeyportError';
    this.code = code;
  }
}

/** True when `e` is a KeyportError (optionally with the given code). */
export function isKeyportError(e: unknown, code?: ErrorCode): e is KeyportError {
  return e instanceof KeyportError && (code === undefined || e.code === code);
}

/** Any thrown value as a KeyportError; unknown faults become KEYPORT_INTERNAL without a stack. */
export function toKeyportError(e: unknown, context = 'Unexpected error'): KeyportError {
  if (e instanceof KeyportError) return e;
  const detail = e instanceof Error ? e.message : String(e);
  return new KeyportError('KEYPORT_INTERNAL', `${context}: ${detail}`, { cause: e });
}
