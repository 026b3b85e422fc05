/**
 * The connection doctor: one connection test (DNS, TCP, TLS handshake, HTTP), the facts it
 * observed, and what they mean. The CLI and the desktop app's contract call runProbe().
 */
import { chooseIdentity } from '../identities/select';
import type { ErrorCode } from '../../shared/errors';
import type { ProbeReport } from '../../shared/probe-report';
import type { CertificateRequestDetails } from '../tls';
import { asCandidate, type ProbeIdentity } from './identity';
import type { ProbeOptions } from './options';
import { runPipeline, type Chooser } from './pipeline';
import { buildReport, type ProbeResult } from './report';

export type { ProbeIdentity } from './identity';
export type { ProbeOptions } from './options';
export type { ProbeFacts } from './facts';
export type { ProbeResult } from './report';
export { diagnose } from './diagnose';
export { parseTestUrl, parseHostPort, type Target } from './target';

/** Failures that mean the server refused the identity we offered (worth offering the next one). */
const REFUSALS: ReadonlySet<string> = new Set<ErrorCode>(['KEYPORT_TLS_CLIENT_CERT_REJECTED', 'KEYPORT_TLS_HANDSHAKE_FAILURE', 'KEYPORT_TLS_ALERT', 'KEYPORT_TLS_CLOSED']);

/** One connection test and its diagnosis; every failure lands in the report, never as a throw. */
export async function runProbe(o: ProbeOptions): Promise<ProbeReport> {
  return (await runProbeWithFacts(o)).report;
}

/**
 * runProbe with the facts the diagnoses came from. With `auto`, the identity is chosen from the
 * CertificateRequest (one handshake, only that key is loaded); when the server names no CA (so the
 * choice was a guess) and refuses it, the next fitting identity is offered in a new handshake.
 */
export async function runProbeWithFacts(o: ProbeOptions): Promise<ProbeResult> {
  if (o.identity !== 'auto') {
    const fixed = o.identity;
    const choose: Chooser = () => (fixed === 'none' ? undefined : fixed);
    return buildReport(o, await runPipeline(o, choose));
  }
  const tried: string[] = [];
  for (;;) {
    let request: CertificateRequestDetails | undefined;
    const remaining = o.candidates.filter((c) => !tried.includes(c.id));
    const obs = await runPipeline(o, (r) => {
      request = r;
      const chosen = pick(r, remaining);
      tried.push(chosen.id);
      return chosen;
    });
    const result = buildReport(o, obs);
    if (tried.length > 0) result.report.identitiesTried = [...tried];
    if (result.report.ok || !request || !worthAnother(request, obs.failure?.code, tried.length > 0)) return result;
    if (o.candidates.every((c) => tried.includes(c.id))) return result;
    try {
      pick(request, o.candidates.filter((c) => !tried.includes(c.id)));
    } catch {
      return result;
    }
  }
}

function pick(request: CertificateRequestDetails, from: ProbeIdentity[]): ProbeIdentity {
  const chosen = chooseIdentity(request, from.map(asCandidate));
  return from.find((c) => c.id === chosen.id)!;
}

/** A guess (no CA names) that the server refused after we offered an identity. */
function worthAnother(request: CertificateRequestDetails, code: string | undefined, offered: boolean): boolean {
  return request.certificateAuthorityNames.length === 0 && offered && code !== undefined && REFUSALS.has(code);
}
