/**
 * The connection doctor's diagnosis catalogue. Each code is stable: it never changes meaning once
 * released (add new ones instead), so scripts and the UI may branch on it. Severity here is the
 * usual one; a rule may lower it where the facts say the cause did not stop the connection.
 */
export const DiagnosisSeverities = ['error', 'warning', 'info'] as const;
export type DiagnosisSeverity = (typeof DiagnosisSeverities)[number];

/** Every code, with its usual severity and its title (one line, shown on the card). */
export const DiagnosisCatalogue = {
  'no-client-cert-requested': { severity: 'warning', title: 'The server did not ask for a client certificate' },
  'client-cert-optional': { severity: 'info', title: 'The server asks for a client certificate but does not require one' },
  'client-ca-not-accepted': { severity: 'error', title: 'The server accepts client certificates from other CAs' },
  'client-chain-incomplete': { severity: 'error', title: 'The client certificate chain is incomplete' },
  'client-cert-required': { severity: 'error', title: 'The server requires a client certificate' },
  'client-cert-unknown-ca': { severity: 'error', title: "The server does not trust the client certificate's issuer" },
  'client-cert-bad': { severity: 'error', title: 'The server rejected the client certificate' },
  'client-cert-expired': { severity: 'error', title: 'The client certificate has expired' },
  'client-cert-not-yet-valid': { severity: 'error', title: 'The client certificate is not valid yet' },
  'client-cert-wrong-usage': { severity: 'error', title: 'The client certificate is not meant for client authentication' },
  'client-key-scheme-mismatch': { severity: 'error', title: 'The key cannot sign with any scheme the server accepts' },
  'access-denied': { severity: 'error', title: 'The server accepted the certificate but denied access' },
  'http-unauthorized': { severity: 'error', title: 'The application wants more than a client certificate' },
  'http-error': { severity: 'error', title: 'The server answered with an HTTP error' },
  'server-cert-untrusted': { severity: 'error', title: "The server's certificate is not trusted" },
  'server-cert-name-mismatch': { severity: 'error', title: "The server's certificate is for another name" },
  'server-cert-expired': { severity: 'error', title: "The server's certificate has expired" },
  'server-cert-not-yet-valid': { severity: 'error', title: "The server's certificate is not valid yet" },
  'clock-skew': { severity: 'warning', title: "This computer's clock seems to be off" },
  'no-common-version': { severity: 'error', title: 'The server speaks no TLS version Keyport accepts' },
  'no-common-cipher': { severity: 'error', title: 'No cipher suite or key exchange group in common' },
  'tls12-no-ems': { severity: 'error', title: 'TLS 1.2 without the extended master secret' },
  'dns-failed': { severity: 'error', title: 'The host name does not resolve' },
  'connection-refused': { severity: 'error', title: 'Nothing listens on that port' },
  timeout: { severity: 'error', title: 'A step timed out' },
  'not-tls': { severity: 'error', title: 'The server does not speak TLS on this port' },
  'token-unavailable': { severity: 'error', title: "The identity's key store is not available" },
  'pin-required': { severity: 'error', title: 'The token needs its PIN' },
  'pin-incorrect': { severity: 'error', title: 'The token rejected the PIN' },
  unexplained: { severity: 'error', title: 'The connection failed for a reason the doctor does not know' },
} as const satisfies Record<string, { severity: DiagnosisSeverity; title: string }>;

export type DiagnosisCode = keyof typeof DiagnosisCatalogue;

/** Every diagnosis code, in catalogue order. */
export const DiagnosisCodes = Object.keys(DiagnosisCatalogue) as DiagnosisCode[];

/** One finding of the doctor: what it is, what the facts say, and what to do (one sentence each). */
export interface Diagnosis {
  code: DiagnosisCode;
  severity: DiagnosisSeverity;
  title: string;
  detail: string;
  fix: string;
}
