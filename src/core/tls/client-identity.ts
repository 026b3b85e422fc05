import { KeyportError, toKeyportError } from '../../shared/errors';
import { parseCertificate } from '../pki/certificate';
import { describeCertificateRequest, type CertificateRequestInfo } from './messages13';
import type { CertificateRequestDetails, ClientIdentity, HandshakeConfig, HandshakeIo } from './types';

type Version = CertificateRequestDetails['version'];

/** The trace detail of a Certificate message that carried no certificate. */
export const EMPTY_CERTIFICATE = 'empty: no client identity';

/**
 * The identity that answers one CertificateRequest: the fixed signer and chain of the options,
 * or what `selectIdentity` picks for this request. Undefined means an empty Certificate.
 */
export async function clientIdentityFor(
  io: HandshakeIo,
  cfg: HandshakeConfig,
  version: Version,
  request: CertificateRequestInfo,
): Promise<ClientIdentity | undefined> {
  if (!cfg.selectIdentity) return cfg.signer && cfg.chain.length > 0 ? { signer: cfg.signer, chain: cfg.chain } : undefined;
  // "sign" in the step makes a timeout hint at a token waiting for a PIN or touch.
  io.step = 'choosing the client identity and loading its signing key';
  let chosen: ClientIdentity | undefined;
  try {
    chosen = await cfg.selectIdentity(certificateRequestDetails(version, request));
  } catch (e) {
    throw toKeyportError(e, 'Choosing the client identity failed');
  }
  if (chosen && chosen.chain.length === 0) {
    throw new KeyportError('KEYPORT_INVALID_ARGUMENT', 'The identity selector returned a key without its certificate chain; return the chain too.');
  }
  return chosen;
}

/** The request as the selector sees it: CA names as DER and as text, schemes as ids and names. */
export function certificateRequestDetails(version: Version, request: CertificateRequestInfo): CertificateRequestDetails {
  const text = describeCertificateRequest(request);
  return {
    version,
    certificateAuthorityNames: request.certificateAuthorities,
    certificateAuthorities: text.certificateAuthorities,
    signatureSchemes: request.signatureSchemes,
    signatureAlgorithms: text.signatureAlgorithms,
  };
}

/**
 * Notes on the Certificate event just sent which identity a selector chose (its label, else the
 * leaf's subject), or that it was empty. A fixed identity is the caller's own, so it is not parsed.
 */
export function traceClientCertificate(io: HandshakeIo, cfg: HandshakeConfig, identity: ClientIdentity | undefined): void {
  const last = io.trace.events.at(-1);
  if (last?.direction !== 'sent' || last.type !== 'Certificate') return;
  if (!identity) last.detail = EMPTY_CERTIFICATE;
  else if (cfg.selectIdentity) last.detail = identity.label ?? leafSubject(identity.chain[0]);
}

function leafSubject(der: Buffer | undefined): string {
  try {
    return der ? parseCertificate(der).subject : 'no certificate';
  } catch {
    return 'an unreadable certificate';
  }
}
