import { KeyportError } from '../../../shared/errors';

/**
 * The subject and SANs a one-time token asks for (step-ca requires the CSR's CN to equal `sub` and its
 * SANs to match `sans`). The token is only read here, never verified: the CA does that.
 */
export function subjectOfToken(token: string): { sub: string; sans: string[] } {
  const payload = token.trim().split('.')[1];
  let claims: { sub?: unknown; sans?: unknown };
  try {
    claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as typeof claims;
  } catch {
    throw new KeyportError('KEYPORT_INVALID_ARGUMENT', 'The token file does not hold a step-ca token (a JWT): paste the output of `step ca token NAME` into it.');
  }
  if (typeof claims.sub !== 'string' || !claims.sub) {
    throw new KeyportError('KEYPORT_INVALID_ARGUMENT', 'The step-ca token has no subject ("sub"); make it with `step ca token NAME`.');
  }
  const sans = Array.isArray(claims.sans) ? claims.sans.filter((s): s is string => typeof s === 'string') : [claims.sub];
  return { sub: claims.sub, sans: sans.map(sanEntry) };
}

/** A token SAN as a CSR SAN: IPs and e-mails typed, everything else a DNS name. */
function sanEntry(san: string): string {
  if (san.includes('://')) return `URI:${san}`;
  if (/^[0-9.]+$/.test(san) || san.includes(':')) return `IP:${san}`;
  if (san.includes('@')) return `email:${san}`;
  return `DNS:${san}`;
}
