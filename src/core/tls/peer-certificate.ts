import { X509Certificate, type KeyObject } from 'node:crypto';
import { isKeyportError, type ErrorCode } from '../../shared/errors';
import { AlertDescription } from './constants';
import { verifyServerChain } from '../pki/verify';
import { TlsError } from './tls-error';
import type { HandshakeConfig } from './types';

/** The alert we send for each certificate verdict (RFC 8446 §6.2). */
const ALERT_FOR: Partial<Record<ErrorCode, number>> = {
  KEYPORT_TLS_UNKNOWN_CA: AlertDescription.unknown_ca,
  KEYPORT_TLS_CERT_EXPIRED: AlertDescription.certificate_expired,
  KEYPORT_TLS_HOSTNAME_MISMATCH: AlertDescription.bad_certificate,
  KEYPORT_TLS_BAD_CERTIFICATE: AlertDescription.bad_certificate,
};

/**
 * Validates the server's chain (unless the caller turned that off) and returns the leaf's
 * public key, which the handshake signature must verify with.
 */
export async function checkServerChain(cfg: HandshakeConfig, chain: Buffer[]): Promise<KeyObject> {
  const leaf = chain[0];
  if (!leaf) {
    throw new TlsError('KEYPORT_TLS_BAD_CERTIFICATE', 'The server sent no certificate.', AlertDescription.decode_error);
  }
  if (cfg.rejectUnauthorized) {
    try {
      const verified = await verifyServerChain({
        chain,
        servername: cfg.verifyName,
        trustAnchors: cfg.ca,
        ...(cfg.useSystemStore !== undefined ? { useSystemStore: cfg.useSystemStore } : {}),
      });
      // The verifier parsed (and caches) the leaf: no second parse per handshake.
      return verified.leafPublicKey;
    } catch (e) {
      if (!isKeyportError(e)) throw e;
      const err = new TlsError(e.code, e.message, ALERT_FOR[e.code] ?? AlertDescription.bad_certificate, { cause: e });
      err.peerChain = chain;
      throw err;
    }
  }
  try {
    return new X509Certificate(leaf).publicKey;
  } catch {
    throw new TlsError(
      'KEYPORT_TLS_BAD_CERTIFICATE',
      "The server's certificate cannot be parsed.",
      AlertDescription.bad_certificate,
    );
  }
}
