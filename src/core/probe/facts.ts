import type { KeyStoreView } from '../../shared/identity';
import type { NegotiatedParameters, ProbeStep } from '../../shared/probe-report';

/** What the doctor knows of one certificate (ours or the server's). JSON, so facts can be recorded. */
export interface CertFact {
  subject: string;
  issuer: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  isCa: boolean;
  selfIssued: boolean;
  /** Extended key usages by name (clientAuth, serverAuth, any, or the OID); null when absent (any use). */
  eku: string[] | null;
  /** keyUsage bits by name (digitalSignature, ...); null when absent (any use). */
  keyUsage: string[] | null;
}

/** The identity a test offered (or would offer). */
export interface IdentityFact {
  id: string;
  label: string;
  keyAlgorithm: string;
  store: KeyStoreView;
  /** Leaf first, as stored. */
  chain: CertFact[];
  /** Schemes the key can sign with (the loaded signer's, else those its algorithm allows). */
  schemes: string[];
}

/** Another identity of the registry that fits what the server asked for. */
export interface Suggestion {
  id: string;
  label: string;
}

/** A step's failure, with the OS error code where there is one (ENOTFOUND, ECONNREFUSED, ...). */
export interface StepFailure {
  step: ProbeStep['step'];
  code: string;
  message: string;
  errno?: string;
}

/** The ServerHello as the server sent it (read from the first bytes, so known even when we refused it). */
export interface ServerHelloFact {
  /** The legacy version field, e.g. "TLSv1.1" (TLS 1.3 says TLSv1.2 here and puts 1.3 in supported_versions). */
  version: string;
  extensions: number[];
}

/**
 * Everything one connection test observed, as plain JSON: the input of diagnose(). Tests feed
 * recorded facts to the rules for causes no real server here can produce.
 */
export interface ProbeFacts {
  /** ISO 8601: our clock when the test ran. */
  now: string;
  host: string;
  port: number;
  servername?: string;
  identityMode: 'fixed' | 'auto' | 'none';
  /** The identity offered, or with auto the one chosen. */
  identity?: IdentityFact;
  /** Registry identities (valid or expiring) that fit the server's CertificateRequest, or any CA when none was seen. */
  suggestions: Suggestion[];
  /** Registry identities (valid or expiring) issued by a CA the request names, whatever their key. */
  namedIdentities: Suggestion[];
  /** How many usable identities the registry holds. */
  usableIdentities: number;
  steps: ProbeStep[];
  /** The step that failed, if one did. */
  failure?: StepFailure;
  /** The first bytes the server sent, hex (at most 512). */
  firstBytesHex?: string;
  serverHello?: ServerHelloFact;
  certificateRequest?: { version: string; certificateAuthorities: string[]; signatureAlgorithms: string[] };
  /** Whether a certificate of our chain is, or is issued by, a CA the request names (undefined: no request or no chain). */
  chainNamedByRequest?: boolean;
  /** Alerts received from the server, by number. */
  alertsReceived: number[];
  /** What our Certificate message carried: absent when none was asked for. */
  certificateSent?: 'empty' | 'chain';
  /** Whether a ServerHello arrived. */
  serverHelloReceived: boolean;
  negotiated?: NegotiatedParameters;
  serverChain?: CertFact[];
  /** Why the server's chain failed our checks (KEYPORT_TLS_UNKNOWN_CA, ..._CERT_EXPIRED, ..._HOSTNAME_MISMATCH, ...). */
  serverChainError?: { code: string; message: string };
  /** The names the server's certificate carries (SANs), for a name mismatch. */
  serverNames?: string[];
  http?: { status: number; statusText: string; headers: Record<string, string>; bodyPreview: string };
  /** What the test was told to send. */
  request: { method: string; path: string; http: boolean };
  allowTls12WithoutEms: boolean;
  /** The CA files given with --ca (for fixes that name them). */
  caFiles: string[];
}
