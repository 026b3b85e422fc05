import { DiagnosisCatalogue, type Diagnosis, type DiagnosisCode, type DiagnosisSeverity } from '../../../shared/diagnoses';
import type { IdentityFact, ProbeFacts } from '../facts';

/** A rule family: the diagnoses its facts support, most likely first. */
export type Rules = (f: ProbeFacts) => Diagnosis[];

/** A diagnosis of `code` with the catalogue's title and (unless given) severity. */
export function diagnosis(code: DiagnosisCode, detail: string, fix: string, severity?: DiagnosisSeverity): Diagnosis {
  const entry = DiagnosisCatalogue[code];
  return { code, severity: severity ?? entry.severity, title: entry.title, detail, fix };
}

export const Alert = {
  handshake_failure: 40,
  bad_certificate: 42,
  unsupported_certificate: 43,
  certificate_revoked: 44,
  certificate_expired: 45,
  certificate_unknown: 46,
  unknown_ca: 48,
  access_denied: 49,
  protocol_version: 70,
  insufficient_security: 71,
  certificate_required: 116,
} as const;

const ALERT_NAMES = Object.fromEntries(Object.entries(Alert).map(([name, n]) => [n, name])) as Record<number, string>;

/** "alert 48 unknown_ca". */
export function alertName(n: number): string {
  return `alert ${n} ${ALERT_NAMES[n] ?? ''}`.trim();
}

/** The first of `alerts` the server sent, if any. */
export function received(f: ProbeFacts, ...alerts: number[]): number | undefined {
  return f.alertsReceived.find((a) => alerts.includes(a));
}

export function hostPort(f: ProbeFacts): string {
  return `${f.host.includes(':') ? `[${f.host}]` : f.host}:${f.port}`;
}

/** The test failed: a step failed, or the HTTP answer was 400 or above. */
export function failed(f: ProbeFacts): boolean {
  return f.failure !== undefined || (f.request.http && (f.http === undefined || f.http.status >= 400));
}

/** Identities that would fit, as a sentence part: "alice (k1a2b3), bob (k4c5d6)". */
export function suggestionList(f: ProbeFacts): string {
  return f.suggestions.map((s) => (s.label && s.label !== s.id ? `${s.label} (${s.id})` : s.id)).join(', ');
}

/** "Identities in Keyport that fit: ..." or how to get one. */
export function whichWouldFit(f: ProbeFacts): string {
  if (f.suggestions.length > 0) return `Identities in Keyport that would fit: ${suggestionList(f)}.`;
  return 'No identity in Keyport fits.';
}

/** The CAs the server named, as a sentence part. */
export function namedCas(f: ProbeFacts): string {
  const cas = f.certificateRequest?.certificateAuthorities ?? [];
  return cas.length > 0 ? cas.join('; ') : 'no CA names (any CA it trusts)';
}

/** The certificates we send: the chain without a self-issued root. */
export function sentChain(id: IdentityFact): IdentityFact['chain'] {
  return id.chain.length > 1 && id.chain.at(-1)!.selfIssued ? id.chain.slice(0, -1) : id.chain;
}

/** The fix that names a fitting identity, or how to get one. */
export function useFittingIdentity(f: ProbeFacts, url: string): string {
  const first = f.suggestions[0];
  if (first) return `Run keyport test ${url} --identity ${first.id} (or --identity auto).`;
  return `Get a certificate from one of the CAs the server accepts (${namedCas(f)}): make a key with keyport keygen and have that CA sign its CSR, or use keyport enroll, then import or attach it.`;
}

/** A URL for fixes, rebuilt from the facts. */
export function urlOf(f: ProbeFacts): string {
  return `https://${f.port === 443 ? f.host : hostPort(f)}${f.request.path}`;
}
