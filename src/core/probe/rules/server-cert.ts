import type { Diagnosis } from '../../../shared/diagnoses';
import type { CertFact, ProbeFacts } from '../facts';
import { diagnosis, hostPort, type Rules } from './common';

/** Clocks further apart than this are worth a warning. */
export const CLOCK_SKEW_MS = 5 * 60 * 1000;

/** The server's chain as our checks judged it, and what its dates and Date header say about our clock. */
export const serverCertRules: Rules = (f) => [...chainVerdict(f), ...clockSkew(f)];

function chainVerdict(f: ProbeFacts): Diagnosis[] {
  const err = f.serverChainError;
  if (!err) return [];
  const chain = f.serverChain ?? [];
  const leaf = chain[0];
  switch (err.code) {
    case 'KEYPORT_TLS_UNKNOWN_CA':
      return [untrusted(f, chain)];
    case 'KEYPORT_TLS_HOSTNAME_MISMATCH':
      return [
        diagnosis(
          'server-cert-name-mismatch',
          `The server's certificate${leaf ? ` (${leaf.subject})` : ''} is for ${f.serverNames?.join(', ') || 'no DNS or IP name'}, not "${f.servername ?? f.host}".`,
          `Connect by one of those names, or pass --servername NAME when you reach the server by another address (a tunnel, an IP).`,
        ),
      ];
    case 'KEYPORT_TLS_CERT_EXPIRED':
      return outOfDate(f, chain);
    default:
      return [];
  }
}

function untrusted(f: ProbeFacts, chain: CertFact[]): Diagnosis {
  const top = chain.at(-1);
  const anchor = top ? (top.selfIssued ? top.subject : top.issuer) : 'its issuer';
  const trusted = f.caFiles.length > 0 ? `the CAs in ${f.caFiles.join(', ')}` : "the system's trust store";
  return diagnosis(
    'server-cert-untrusted',
    `The server's chain (${chain.map((c) => c.subject).join(' <- ') || 'unreadable'}) does not lead to a CA in ${trusted}: it ends at ${anchor}.`,
    `Trust the root that issued it: get "${anchor}" from the server's operator (openssl s_client -showcerts -connect ${hostPort(f)} shows the chain) and pass it with --ca FILE.`,
  );
}

function outOfDate(f: ProbeFacts, chain: CertFact[]): Diagnosis[] {
  const now = Date.parse(f.now);
  const late = chain.find((c) => Date.parse(c.notAfter) < now);
  if (late) {
    return [
      diagnosis(
        'server-cert-expired',
        `The server's certificate ${late.subject} expired on ${late.notAfter} (now is ${f.now}).`,
        "Ask the server's operator to renew it; if it looks fresh to them, check this computer's clock.",
      ),
    ];
  }
  const early = chain.find((c) => Date.parse(c.notBefore) > now);
  if (!early) return [];
  return [
    diagnosis(
      'server-cert-not-yet-valid',
      `The server's certificate ${early.subject} is valid only from ${early.notBefore} (now is ${f.now}).`,
      "Check this computer's clock; a certificate dated in the future is usually a clock that is behind.",
    ),
  ];
}

function clockSkew(f: ProbeFacts): Diagnosis[] {
  const now = Date.parse(f.now);
  const date = f.http?.headers.date ? Date.parse(f.http.headers.date) : NaN;
  if (!Number.isNaN(date) && Math.abs(date - now) > CLOCK_SKEW_MS) {
    return [skew(`The server's Date header says ${new Date(date).toISOString()}, this computer says ${f.now}`, date - now)];
  }
  const fresh = [...(f.serverChain ?? []), ...(f.identity?.chain ?? [])].find((c) => Date.parse(c.notBefore) - now > 0 && Date.parse(c.notBefore) - now < 2 * 24 * 3600 * 1000);
  if (fresh) return [skew(`The certificate ${fresh.subject} starts at ${fresh.notBefore}, after this computer's time ${f.now}`, Date.parse(fresh.notBefore) - now)];
  return [];
}

function skew(what: string, diffMs: number): Diagnosis {
  return diagnosis(
    'clock-skew',
    `${what}: a difference of ${describe(Math.abs(diffMs))}, so one of the clocks is off.`,
    "Set this computer's clock from the network (timedatectl set-ntp true, or your OS's time settings); if it is right, tell the server's operator.",
  );
}

function describe(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 120) return `${minutes} minutes`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} hours` : `${Math.round(hours / 24)} days`;
}
