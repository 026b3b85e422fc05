import { DiagnosisSeverities, type Diagnosis } from '../../shared/diagnoses';
import type { ProbeFacts } from './facts';
import { clientCertRules } from './rules/client-cert';
import { alertName, diagnosis, failed, type Rules } from './rules/common';
import { httpRules } from './rules/http';
import { keyStoreRules } from './rules/key-store';
import { serverCertRules } from './rules/server-cert';
import { transportRules } from './rules/transport';

/** The rule families, in the order their findings are listed within one severity. */
const FAMILIES: Rules[] = [transportRules, keyStoreRules, serverCertRules, clientCertRules, httpRules];

/**
 * What the facts of one test mean: every diagnosis that fits, most important first (errors, then
 * warnings, then info; within a severity, the order of likelihood). Pure: the same facts always give
 * the same diagnoses. When the test failed and no rule explains it, an `unexplained` error shows the
 * raw step and alert. When it passed, nothing is an error (a finding that did not stop it is a warning).
 */
export function diagnose(f: ProbeFacts): Diagnosis[] {
  const found: Diagnosis[] = [];
  for (const rules of FAMILIES) {
    for (const d of rules(f)) if (!found.some((x) => x.code === d.code)) found.push(d);
  }
  const ok = !failed(f);
  const all = ok ? found.map((d) => (d.severity === 'error' ? { ...d, severity: 'warning' as const } : d)) : found;
  if (!ok && !all.some((d) => d.severity === 'error')) all.push(unexplained(f));
  return all.sort((a, b) => DiagnosisSeverities.indexOf(a.severity) - DiagnosisSeverities.indexOf(b.severity));
}

function unexplained(f: ProbeFacts): Diagnosis {
  const failure = f.failure;
  const alerts = f.alertsReceived.map(alertName).join(', ') || 'none';
  const what = failure
    ? `The ${failure.step} step failed: ${failure.message} [${failure.code}]`
    : `The server answered HTTP ${f.http?.status ?? '(nothing)'}`;
  return diagnosis(
    'unexplained',
    `${what}. Alerts received: ${alerts}. No known cause fits these facts.`,
    "Check the server's log for this connection; keyport test --json shows the full handshake trace.",
  );
}
