/**
 * What the contract's newer methods answer and what its events carry, beyond identities and tokens
 * (src/shared/identity.ts). Plain types: the renderer and the preload import them without zod.
 */

/** Where a new key goes, as the UI names it. */
export type Destination = { kind: 'keychain' } | { kind: 'pkcs11'; token: string };

/** A file the renderer read itself (picked, dropped or opened by the OS) and sends as bytes. */
export interface FilePayload {
  /** The file's name only, for messages; never used as a path. */
  name: string;
  dataBase64: string;
}

/** An export, ready for the renderer to offer as a download or to copy. */
export interface ExportedFile {
  /** A suggested file name, e.g. `alice.chain.pem`. */
  fileName: string;
  mediaType: 'application/x-pem-file' | 'application/pkcs10' | 'application/x-pkcs12';
  /** `utf8` for PEM text (copyable), `base64` for PKCS#12 bytes. */
  encoding: 'utf8' | 'base64';
  data: string;
}

/** A key made by `keys.generate`, waiting for its issued certificate (`keys.attach`). */
export interface PendingKeyView {
  keyId: string;
  algorithm: string;
  subject: string;
  sans: string[];
  keyStore: { kind: 'keychain' } | { kind: 'pkcs11'; module: string; token: string };
  createdAt: string;
}

/** One step of a connection test. `step` is a string: the doctor adds steps beyond handshake and http. */
export interface ConnectionStep {
  step: string;
  ok: boolean;
  ms: number;
  error?: { code: string; message: string };
}

/** A diagnosis card (filled in once the doctor service lands; absent before). */
export interface ConnectionDiagnosis {
  code: string;
  severity: string;
  title: string;
  detail: string;
  fix: string;
}

/**
 * What `connection.test` answers: `keyport test --json`'s report. Typed loosely past the fields the
 * screens read, so the doctor's additions (`diagnoses`, `reproduce`, more steps) need no change here.
 */
export interface ConnectionReport {
  ok: boolean;
  url: string;
  identity?: string;
  identitiesTried?: string[];
  steps: ConnectionStep[];
  negotiated?: {
    version: string;
    cipherSuite: string;
    group: string;
    alpn?: string;
    resumed?: boolean;
    clientCertificateSent?: boolean;
    signatureScheme?: string;
  };
  serverChain?: Array<{ subject: string; issuer: string; notAfter: string }>;
  certificateRequest?: { certificateAuthorities: string[]; signatureAlgorithms: string[] };
  http?: { status: number; statusText: string; headers: Record<string, string>; bodyPreview: string };
  diagnoses?: ConnectionDiagnosis[];
  reproduce?: string[];
}

/** The UI's colour scheme: follow the OS, or force one. */
export type Theme = 'system' | 'light' | 'dark';

/** User settings, kept in `settings.json` in the data folder. */
export interface Settings {
  theme: Theme;
  /**
   * Minutes without token use after which every token is logged out (the app keeps no PIN, so a
   * logged-in token session is the "PIN cache"); 0 keeps sessions until lock, suspend or quit.
   */
  pinIdleTimeoutMinutes: number;
  /** Desktop notifications (expiring identities, PIN needed) in the Electron app. */
  notifications: boolean;
}

/** `pin.required`: a token needs its PIN; answer with `pin.answer` (or `pin.cancel`). */
export interface PinRequest {
  requestId: string;
  module: string;
  token: string;
  /** Milliseconds until the request gives up (the operation then fails with KEYPORT_PIN_REQUIRED). */
  expiresInMs: number;
}

/** `pin.closed`: a PIN request is over (answered, cancelled, timed out); close its dialog. */
export interface PinClosed {
  requestId: string;
  reason: 'answered' | 'cancelled' | 'timeout';
}

/** `progress.update`: how a slow request (`progressId` in its body) is getting on. */
export interface ProgressUpdate {
  progressId: string;
  operation: 'import' | 'keygen';
  /** e.g. `decrypting` (PKCS#12 PBKDF2), `storing`, `generating`, `signing`, `done`. */
  stage: string;
  /** True on the last update for this id. */
  done: boolean;
}
