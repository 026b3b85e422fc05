import type { ErrorCode } from '../../shared/errors';
import { chooseIdentity, matchingIdentities, type IdentityCandidate } from '../identities/select';
import type { Signer } from '../keystores/types';
import type { CertificateRequestDetails } from '../tls';
import { runConnectionTest, type TestOptions, type TestReport } from './connection-test';

/** What `--identity auto` chooses from: the candidates, and how to load the chosen one's key. */
export interface IdentityPool {
  candidates: IdentityCandidate[];
  /** The signer and chain (without the root) of one candidate; may start the token host or ask for a PIN. */
  load(id: string): Promise<{ signer: Signer; chain: Buffer[] }>;
}

/** Failures that mean the server refused the identity we offered (worth offering the next one). */
const REFUSALS: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'KEYPORT_TLS_CLIENT_CERT_REJECTED',
  'KEYPORT_TLS_HANDSHAKE_FAILURE',
  'KEYPORT_TLS_ALERT',
  'KEYPORT_TLS_CLOSED',
]);

/**
 * A connection test whose identity is chosen from the server's CertificateRequest (chooseIdentity):
 * one handshake, and only that identity's key is loaded. When the server names no CA (so the choice
 * was a guess) and refuses the identity, the next fitting one is offered, each in a new handshake.
 */
export async function runAutoConnectionTest(o: Omit<TestOptions, 'identity' | 'selectIdentity'>, pool: IdentityPool): Promise<TestReport> {
  const tried: string[] = [];
  for (;;) {
    let request: CertificateRequestDetails | undefined;
    const remaining = pool.candidates.filter((c) => !tried.includes(c.id));
    const report = await runConnectionTest({
      ...o,
      selectIdentity: async (r) => {
        request = r;
        const chosen = chooseIdentity(r, remaining);
        tried.push(chosen.id);
        return { id: chosen.id, label: chosen.label, ...(await pool.load(chosen.id)) };
      },
    });
    report.identitiesTried = [...tried];
    if (report.ok || !request || !worthAnother(request, report)) return report;
    if (matchingIdentities(request, pool.candidates.filter((c) => !tried.includes(c.id))).length === 0) return report;
  }
}

/** A guess (no CA names) that the server refused after we offered an identity. */
function worthAnother(request: CertificateRequestDetails, report: TestReport): boolean {
  const code = report.steps.at(-1)?.error?.code as ErrorCode | undefined;
  return request.certificateAuthorityNames.length === 0 && report.identity !== undefined && code !== undefined && REFUSALS.has(code);
}
