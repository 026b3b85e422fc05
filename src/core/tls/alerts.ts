import type { ErrorCode } from '../../shared/errors';
import { AlertDescription as A, AlertNames } from './constants';
import { TlsError } from './tls-error';

/** How a received fatal alert reads to a user: what happened and what to do about it. */
interface Meaning {
  code: ErrorCode;
  what: string;
  hint: string;
}


const NEGOTIATION: Meaning = {
  code: 'KEYPORT_TLS_HANDSHAKE_FAILURE',
  what: 'The server found no acceptable handshake parameters',
  hint: 'it may require a version, cipher, group or signature scheme that Keyport does not offer',
};

const MEANINGS: Record<number, Meaning> = {
  [A.bad_certificate]: {
    code: 'KEYPORT_TLS_CLIENT_CERT_REJECTED',
    what: 'The server rejected the client certificate',
    hint: 'check that it is valid now, that its extended key usage allows clientAuth, and that it is issued by a CA the server trusts',
  },
  [A.unknown_ca]: {
    code: 'KEYPORT_TLS_CLIENT_CERT_REJECTED',
    what: "The server does not trust the client certificate's issuer",
    hint: 'check which CA the server expects client certificates from, and that the identity carries its intermediates',
  },
  [A.access_denied]: {
    code: 'KEYPORT_TLS_CLIENT_CERT_REJECTED',
    what: 'The server accepted the client certificate but denied access',
    hint: 'this identity is not authorised for the service, so ask its owner to grant it or use another identity',
  },
  [A.certificate_required]: {
    code: 'KEYPORT_TLS_CLIENT_CERT_REJECTED',
    what: 'The server requires a client certificate',
    hint: 'none was sent, so choose an identity issued by a CA the server trusts',
  },
  [A.unsupported_certificate]: {
    code: 'KEYPORT_TLS_CLIENT_CERT_REJECTED',
    what: 'The server rejected the client certificate as unsupported',
    hint: 'check its key type and that its extended key usage allows clientAuth',
  },
  [A.certificate_revoked]: {
    code: 'KEYPORT_TLS_CLIENT_CERT_REJECTED',
    what: 'The server says the client certificate is revoked',
    hint: 'renew or re-enroll the identity',
  },
  [A.certificate_expired]: {
    code: 'KEYPORT_TLS_CLIENT_CERT_REJECTED',
    what: 'The server says the client certificate has expired or is not yet valid',
    hint: 'renew the identity or check the clocks',
  },
  [A.certificate_unknown]: {
    code: 'KEYPORT_TLS_CLIENT_CERT_REJECTED',
    what: 'The server could not accept the client certificate',
    hint: 'check that it is issued by a CA the server trusts and meant for client authentication',
  },
  [A.decrypt_error]: {
    code: 'KEYPORT_TLS_DECRYPT_ERROR',
    what: 'The server could not verify a signature or Finished message',
    hint: 'the private key may not match the certificate, or the token signed wrongly',
  },
  [A.bad_record_mac]: {
    code: 'KEYPORT_TLS_DECRYPT_ERROR',
    what: 'The server could not decrypt a record',
    hint: 'something between us may be altering the traffic',
  },
  [A.handshake_failure]: NEGOTIATION,
  [A.insufficient_security]: NEGOTIATION,
  [A.missing_extension]: NEGOTIATION,
  [A.unsupported_extension]: NEGOTIATION,
  [A.protocol_version]: {
    code: 'KEYPORT_TLS_HANDSHAKE_FAILURE',
    what: 'The server does not accept the offered TLS versions',
    hint: 'Keyport speaks TLS 1.2 and 1.3 only',
  },
  [A.no_application_protocol]: {
    code: 'KEYPORT_TLS_HANDSHAKE_FAILURE',
    what: 'The server supports none of the offered application protocols',
    hint: 'check the ALPN list',
  },
  [A.unrecognized_name]: {
    code: 'KEYPORT_TLS_HANDSHAKE_FAILURE',
    what: 'The server does not know the requested host name',
    hint: 'check the servername (SNI)',
  },
};

/** The readable name of an alert, e.g. "alert 42 bad_certificate". */
export function alertLabel(description: number): string {
  return `alert ${description} ${AlertNames[description] ?? 'unknown'}`;
}

/**
 * The error for a fatal alert received from the server, e.g. "The server rejected the client
 * certificate (alert 42 bad_certificate) during the handshake; check that it is valid now, ...".
 */
export function errorForReceivedAlert(description: number, during: string): TlsError {
  const label = alertLabel(description);
  const m = MEANINGS[description];
  if (m) return new TlsError(m.code, `${m.what} (${label}) ${during}; ${m.hint}.`);
  return new TlsError(
    'KEYPORT_TLS_ALERT',
    `The server ended the connection (${label}) ${during}; check the server's log for the reason.`,
  );
}
