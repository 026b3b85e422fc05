import type { Diagnosis } from './diagnoses';
import type { ProbeReport, ProbeStep } from './probe-report';

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

/** One step of a connection test (dns, tcp, handshake, http). */
export type ConnectionStep = ProbeStep;

/** A diagnosis card: code, severity, title, what the facts say, and the fix. */
export type ConnectionDiagnosis = Diagnosis;

/**
 * What `connection.test` answers: the doctor's report, exactly as `keyport test --json` prints it
 * (steps, negotiated parameters, diagnoses most important first, `reproduce` openssl/curl lines).
 */
export type ConnectionReport = ProbeReport;

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

/** One stored result of a saved endpoint (the report without its handshake trace). */
export interface EndpointResult {
  ok: boolean;
  url: string;
  startedAt: string;
  identity?: string;
  steps: ConnectionStep[];
  diagnoses: ConnectionDiagnosis[];
}

/** A saved endpoint (`keyport endpoints add`), with its last results, oldest first. */
export interface EndpointView {
  name: string;
  url: string;
  /** An identity id or label, `auto`, or `none`. */
  identity: string;
  /** CA files (paths saved by the CLI), read at each test. */
  ca: string[];
  servername?: string;
  method?: string;
  http: boolean;
  createdAt: string;
  history: EndpointResult[];
}
