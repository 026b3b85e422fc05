import { KeyportError } from '../../../shared/errors';
import type { ChallengeSolver, ChallengeType, DnsRecord } from './authorization';
import { startHttp01 } from './http01';

/** A solver for one order, with whatever it serves stopped by `close`. */
export type OpenSolver = ChallengeSolver & { close(): Promise<void> };

/**
 * The solver for `type`: http-01 serves key authorizations on loopback `httpPort` for the order's
 * duration; dns-01 hands each TXT record to `awaitDnsRecord` (the CLI prints it and waits for the user).
 */
export async function openSolver(
  type: ChallengeType,
  o: { httpPort: number; awaitDnsRecord?: (record: DnsRecord) => Promise<void> },
): Promise<OpenSolver> {
  if (type === 'http-01') {
    const responder = await startHttp01(o.httpPort);
    return { type, serveHttp01: (token, keyAuthorization) => responder.set(token, keyAuthorization), close: () => responder.close() };
  }
  const awaitDnsRecord = o.awaitDnsRecord;
  if (!awaitDnsRecord) {
    throw new KeyportError(
      'KEYPORT_ACME_CHALLENGE_FAILED',
      'This identity renews with dns-01, which needs a person to create a TXT record: run the renewal in a terminal.',
    );
  }
  return { type, awaitDnsRecord, close: async () => undefined };
}
