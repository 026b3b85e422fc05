import type { Diagnosis } from './diagnoses';

/** The steps of a connection test, in order. */
export const ProbeStepNames = ['dns', 'tcp', 'handshake', 'http'] as const;
export type ProbeStepName = (typeof ProbeStepNames)[number];

/** One step of a test and how it went. */
export interface ProbeStep {
  step: ProbeStepName;
  ok: boolean;
  ms: number;
  /** What the step found, e.g. the addresses a name resolved to. */
  detail?: string;
  error?: { code: string; message: string };
}

/** What the handshake established. */
export interface NegotiatedParameters {
  version: string;
  cipherSuite: string;
  group: string;
  signatureScheme?: string;
  serverSignatureScheme?: string;
  alpn?: string;
  resumed: boolean;
  clientCertificateSent: boolean;
  /** TLS 1.2: whether the extended master secret was used. */
  extendedMasterSecret?: boolean;
}

/** One handshake message or alert, as the TLS client traced it. */
export interface ProbeTraceEvent {
  ms: number;
  direction: 'sent' | 'received';
  kind: 'handshake' | 'change_cipher_spec' | 'alert';
  type: string;
  length: number;
  detail?: string;
}

/** How to try the same connection with other tools. */
export interface Reproduce {
  /** `openssl s_client ...` */
  openssl: string;
  /** `curl ...`; through `proxy` when the key lives where curl cannot reach it (keychain, token). */
  curl: string;
  /** `keyport proxy --route ...` to run first, when curl goes through it. */
  proxy?: string;
  /** What the lines cannot do, when that matters. */
  note?: string;
}

/**
 * What `keyport test` reports (also stored in an endpoint's history). `ok` is true only when the
 * server accepted the identity and answered below 400 (with --no-http: the handshake held);
 * otherwise the first `error` diagnosis says why.
 */
export interface ProbeReport {
  ok: boolean;
  url: string;
  /** ISO 8601, when the test started. */
  startedAt: string;
  /** The identity offered (with auto: the one chosen). */
  identity?: string;
  /** With `--identity auto`: every identity offered, in order. */
  identitiesTried?: string[];
  steps: ProbeStep[];
  negotiated?: NegotiatedParameters;
  serverChain?: Array<{ subject: string; issuer: string; notAfter: string }>;
  certificateRequest?: { signatureAlgorithms: string[]; certificateAuthorities: string[] };
  http?: { status: number; statusText: string; headers: Record<string, string>; bodyPreview: string };
  trace?: ProbeTraceEvent[];
  /** Most important first: errors, then warnings, then info. */
  diagnoses: Diagnosis[];
  reproduce: Reproduce;
}
