import type { ProbeReport } from '../../shared/probe-report';
import { collectFacts, reportedIdentity } from './collect';
import { diagnose } from './diagnose';
import type { ProbeFacts } from './facts';
import type { ProbeOptions } from './options';
import type { Observation } from './pipeline';
import { reproduceLines } from './reproduce';
import { failed } from './rules/common';

/** A run's report and the facts it was diagnosed from. */
export interface ProbeResult {
  report: ProbeReport;
  facts: ProbeFacts;
}

/** Facts, diagnoses and reproduce lines of one run, in the report shape `keyport test --json` prints. */
export function buildReport(o: ProbeOptions, obs: Observation): ProbeResult {
  const facts = collectFacts(o, obs);
  const identity = reportedIdentity(o, obs);
  const report: ProbeReport = {
    ok: !failed(facts),
    url: o.url,
    startedAt: facts.now,
    ...(identity && (obs.offered || typeof o.identity === 'object') ? { identity: identity.id } : {}),
    steps: obs.steps,
    ...(facts.negotiated ? { negotiated: facts.negotiated } : {}),
    ...(facts.serverChain ? { serverChain: facts.serverChain.map((c) => ({ subject: c.subject, issuer: c.issuer, notAfter: c.notAfter })) } : {}),
    ...(facts.certificateRequest
      ? { certificateRequest: { signatureAlgorithms: facts.certificateRequest.signatureAlgorithms, certificateAuthorities: facts.certificateRequest.certificateAuthorities } }
      : {}),
    ...(obs.http ? { http: obs.http } : {}),
    ...(obs.seen.tls ? { trace: obs.seen.tls.trace } : {}),
    diagnoses: diagnose(facts),
    reproduce: reproduceLines({
      host: o.target.host,
      port: o.target.port,
      path: o.target.path,
      ...(o.servername ? { servername: o.servername } : {}),
      ...(o.alpn?.length ? { alpn: o.alpn } : {}),
      caFiles: o.caFiles,
      method: o.method ?? 'GET',
      headers: o.headers ?? {},
      ...(identity && o.identity !== 'none' ? { identity } : {}),
    }),
  };
  return { report, facts };
}
