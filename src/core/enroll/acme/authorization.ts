import { createHash } from 'node:crypto';
import * as z from 'zod';
import { KeyportError } from '../../../shared/errors';
import { sleep, type AcmeClient } from './client';
import { base64url, jwkThumbprint, type AccountKey } from './jws';
import { problemText, type AcmeProblem } from './problem';

/** The challenge types Keyport answers. */
export const ChallengeTypes = ['http-01', 'dns-01'] as const;
export type ChallengeType = (typeof ChallengeTypes)[number];

/** The TXT record a dns-01 challenge wants, for the user to create. */
export interface DnsRecord {
  /** The name being validated. */
  domain: string;
  /** `_acme-challenge.<domain>` (wildcards stripped). */
  name: string;
  value: string;
}

/** How one order's challenges are answered. */
export interface ChallengeSolver {
  type: ChallengeType;
  /** http-01: make `token` answer `keyAuthorization` on the name's port 80 (or the CA's port). */
  serveHttp01?(token: string, keyAuthorization: string): void;
  /** dns-01: resolves once the user has created the record. */
  awaitDnsRecord?(record: DnsRecord): Promise<void>;
}

const ChallengeSchema = z.object({ type: z.string(), url: z.string().url(), token: z.string().optional(), status: z.string(), error: z.any().optional() });
const AuthorizationSchema = z.object({
  identifier: z.object({ type: z.string(), value: z.string() }),
  status: z.string(),
  wildcard: z.boolean().optional(),
  challenges: z.array(ChallengeSchema),
});
type Authorization = z.infer<typeof AuthorizationSchema>;

/** How long one authorization may stay pending after its challenge was answered. */
const POLL_LIMIT_MS = 60_000;

/** Proves control of one authorization's name with the solver's challenge type, and waits until it is valid. */
export async function completeAuthorization(
  client: AcmeClient,
  o: { key: AccountKey; kid: string; url: string; solver: ChallengeSolver },
): Promise<void> {
  const authz = await fetchAuthorization(client, o);
  if (authz.status === 'valid') return;
  const name = authz.identifier.value;
  const challenge = authz.challenges.find((c) => c.type === o.solver.type);
  if (!challenge?.token) {
    const offered = authz.challenges.map((c) => c.type).join(', ') || 'none';
    throw new KeyportError('KEYPORT_ACME_CHALLENGE_FAILED', `The ACME server offers no ${o.solver.type} challenge for ${name} (offered: ${offered}); choose one of those with --challenge.`);
  }
  const keyAuthorization = `${challenge.token}.${jwkThumbprint(o.key.jwk)}`;
  if (o.solver.type === 'http-01') o.solver.serveHttp01?.(challenge.token, keyAuthorization);
  else await o.solver.awaitDnsRecord?.(dnsRecord(name, keyAuthorization));
  await client.post(challenge.url, { key: o.key, identity: { kid: o.kid }, payload: {}, what: `start the ${o.solver.type} challenge for ${name}` });
  const done = await pollAuthorization(client, o, name);
  if (done.status !== 'valid') throw challengeFailed(name, o.solver.type, done);
}

/** The dns-01 TXT record for a key authorization (RFC 8555 §8.4). */
export function dnsRecord(domain: string, keyAuthorization: string): DnsRecord {
  const value = base64url(createHash('sha256').update(keyAuthorization).digest());
  return { domain, name: `_acme-challenge.${domain.replace(/^\*\./, '')}`, value };
}

async function fetchAuthorization(client: AcmeClient, o: { key: AccountKey; kid: string; url: string }): Promise<Authorization> {
  const res = await client.post(o.url, { key: o.key, identity: { kid: o.kid }, what: 'read an authorization' });
  const parsed = AuthorizationSchema.safeParse(res.json());
  if (!parsed.success) throw new KeyportError('KEYPORT_ACME_ORDER_FAILED', `The ACME server sent an authorization Keyport cannot read (${o.url}); it does not follow RFC 8555.`);
  return parsed.data;
}

async function pollAuthorization(client: AcmeClient, o: { key: AccountKey; kid: string; url: string }, name: string): Promise<Authorization> {
  const deadline = Date.now() + POLL_LIMIT_MS;
  for (let wait = 100; ; wait = Math.min(wait * 2, 2000)) {
    const authz = await fetchAuthorization(client, o);
    if (authz.status !== 'pending' && authz.status !== 'processing') return authz;
    if (Date.now() > deadline) {
      throw new KeyportError('KEYPORT_ACME_TIMEOUT', `The ACME server did not validate ${name} within ${POLL_LIMIT_MS / 1000} s; try again later.`);
    }
    await sleep(wait);
  }
}

/** Which name failed, with which challenge, and what the server said. */
function challengeFailed(name: string, type: string, authz: Authorization): KeyportError {
  const problem = authz.challenges.find((c) => c.type === type)?.error as AcmeProblem | undefined;
  const hint = type === 'http-01' ? 'check that the CA reaches this machine on the http-01 port' : 'check the TXT record';
  return new KeyportError(
    'KEYPORT_ACME_CHALLENGE_FAILED',
    `The ACME server could not validate ${name} with ${type} (authorization ${authz.status}): ${problemText(problem)}; ${hint}.`,
  );
}
