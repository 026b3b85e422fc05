import { KeyportError } from '../../shared/errors';
import type { IdentityStatus } from '../../shared/identity';
import { schemesFor } from '../keystores/memory-signer';
import { certFacts } from '../pki/chain';
import type { CertificateRequestDetails } from '../tls/types';
import { chooseClientScheme } from '../tls/signature-schemes';
import { sameName } from './name-match';
import type { IdentityRecord } from './schema';
import { identityView } from './view';

/** One identity that might answer a server's CertificateRequest. */
export interface IdentityCandidate {
  id: string;
  label: string;
  status: IdentityStatus;
  /** As in the identity list: "EC-P256", "RSA-2048", ... */
  keyAlgorithm: string;
  /** DER, leaf first, possibly with the root. */
  chain: Buffer[];
}

/** A registry identity as a candidate. */
export function identityCandidate(record: IdentityRecord): IdentityCandidate {
  const v = identityView(record);
  return { id: v.id, label: v.label, status: v.status, keyAlgorithm: v.keyAlgorithm, chain: record.chain.map((c) => Buffer.from(c, 'base64')) };
}

/** What the matcher reads of a request. */
export type IdentityRequest = Pick<
  CertificateRequestDetails,
  'version' | 'certificateAuthorityNames' | 'certificateAuthorities' | 'signatureSchemes' | 'signatureAlgorithms'
>;

/**
 * The candidates that can answer `request`, in their order: usable (valid or expiring), with a
 * certificate in the chain whose issuer or subject is a CA the server names (any chain when it
 * names none; see sameName), and a key that can sign with a scheme the server accepts.
 */
export function matchingIdentities(request: IdentityRequest, candidates: readonly IdentityCandidate[]): IdentityCandidate[] {
  return candidates.filter((c) => isUsable(c) && issuedByRequestedCa(request, c) && canSign(request, c));
}

/** The first candidate that can answer `request`, or a KEYPORT_NO_MATCHING_IDENTITY error saying why none can. */
export function chooseIdentity(request: IdentityRequest, candidates: readonly IdentityCandidate[]): IdentityCandidate {
  const chosen = matchingIdentities(request, candidates)[0];
  if (chosen) return chosen;
  throw noMatchingIdentity(request, candidates);
}

function isUsable(c: IdentityCandidate): boolean {
  return c.status === 'valid' || c.status === 'expiring';
}

function issuedByRequestedCa(request: IdentityRequest, c: IdentityCandidate): boolean {
  const wanted = request.certificateAuthorityNames;
  if (wanted.length === 0) return true;
  return c.chain.some((der) => {
    const names = chainNames(der);
    return names.some((name) => wanted.some((w) => sameName(name, w)));
  });
}

/** Issuer and subject of a certificate; an unreadable one matches nothing. */
function chainNames(der: Buffer): Buffer[] {
  try {
    const facts = certFacts(der);
    return [facts.issuer, facts.subject];
  } catch {
    return [];
  }
}

/** As the handshake will decide with chooseClientScheme, from the key type (the signer is not loaded yet). */
function canSign(request: IdentityRequest, c: IdentityCandidate): boolean {
  try {
    chooseClientScheme(request.version, request.signatureSchemes, { algorithm: c.keyAlgorithm, schemes: schemesFor(c.keyAlgorithm) });
    return true;
  } catch {
    return false;
  }
}

function noMatchingIdentity(request: IdentityRequest, candidates: readonly IdentityCandidate[]): KeyportError {
  const usable = candidates.filter(isUsable);
  const cas = request.certificateAuthorities.join('; ');
  const schemes = request.signatureAlgorithms.join(', ');
  let message: string;
  if (usable.length === 0) {
    message = 'No valid identity to offer the server; import or enroll one first.';
  } else if (!usable.some((c) => issuedByRequestedCa(request, c))) {
    message = `No identity is issued by a CA the server asks for (${cas}); import one issued by it.`;
  } else if (cas) {
    message = `No identity issued by a CA the server asks for (${cas}) has a key that can sign with a scheme it accepts (${schemes}); use one with another key type.`;
  } else {
    message = `No valid identity has a key that can sign with a scheme the server accepts (${schemes}); use one with another key type.`;
  }
  return new KeyportError('KEYPORT_NO_MATCHING_IDENTITY', message);
}
