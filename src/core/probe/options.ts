import type { ProbeIdentity } from './identity';
import type { Target } from './target';

/** One connection test: where, with which identity, what to send. */
export interface ProbeOptions {
  url: string;
  target: Target;
  /** A fixed identity, `auto` (chosen from the CertificateRequest), or `none` (an empty Certificate). */
  identity: ProbeIdentity | 'auto' | 'none';
  /** The registry's identities: what auto chooses from and what the doctor suggests. */
  candidates: ProbeIdentity[];
  /** Trust anchors for the server (DER or PEM) and the files they came from (named in fixes). */
  ca: Buffer[];
  caFiles: string[];
  servername?: string;
  /** ALPN protocols to offer (default http/1.1; a proxy route's `alpn=`, none if it sets none). */
  alpn?: string[];
  /** HTTP method (default GET) and extra headers; `http: false` stops after the handshake. */
  method?: string;
  headers?: Record<string, string>;
  http?: boolean;
  /** Time limit per step, ms (default 15 000). */
  timeoutMs?: number;
  /** Accept TLS 1.2 without the extended master secret (reported as a warning). */
  allowTls12WithoutEms?: boolean;
}
