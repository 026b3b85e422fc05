/** Wire constants of TLS 1.2 (RFC 5246) and 1.3 (RFC 8446) that this client uses. */

export const ContentType = {
  change_cipher_spec: 20,
  alert: 21,
  handshake: 22,
  application_data: 23,
} as const;

export const HandshakeType = {
  hello_request: 0,
  client_hello: 1,
  server_hello: 2,
  new_session_ticket: 4,
  end_of_early_data: 5,
  encrypted_extensions: 8,
  certificate: 11,
  server_key_exchange: 12,
  certificate_request: 13,
  server_hello_done: 14,
  certificate_verify: 15,
  client_key_exchange: 16,
  finished: 20,
  key_update: 24,
  message_hash: 254,
} as const;

/** Handshake message names by type, for traces and error messages. */
export const HandshakeNames: Record<number, string> = {
  0: 'HelloRequest',
  1: 'ClientHello',
  2: 'ServerHello',
  4: 'NewSessionTicket',
  8: 'EncryptedExtensions',
  11: 'Certificate',
  12: 'ServerKeyExchange',
  13: 'CertificateRequest',
  14: 'ServerHelloDone',
  15: 'CertificateVerify',
  16: 'ClientKeyExchange',
  20: 'Finished',
  24: 'KeyUpdate',
};

export const AlertLevel = { warning: 1, fatal: 2 } as const;

export const AlertDescription = {
  close_notify: 0,
  unexpected_message: 10,
  bad_record_mac: 20,
  record_overflow: 22,
  handshake_failure: 40,
  bad_certificate: 42,
  unsupported_certificate: 43,
  certificate_revoked: 44,
  certificate_expired: 45,
  certificate_unknown: 46,
  illegal_parameter: 47,
  unknown_ca: 48,
  access_denied: 49,
  decode_error: 50,
  decrypt_error: 51,
  protocol_version: 70,
  insufficient_security: 71,
  internal_error: 80,
  inappropriate_fallback: 86,
  user_canceled: 90,
  no_renegotiation: 100,
  missing_extension: 109,
  unsupported_extension: 110,
  unrecognized_name: 112,
  bad_certificate_status_response: 113,
  unknown_psk_identity: 115,
  certificate_required: 116,
  no_application_protocol: 120,
} as const;

/** Alert names by number. */
export const AlertNames: Record<number, string> = Object.fromEntries(
  Object.entries(AlertDescription).map(([name, n]) => [n, name]),
);

export const ExtensionType = {
  server_name: 0,
  supported_groups: 10,
  ec_point_formats: 11,
  signature_algorithms: 13,
  alpn: 16,
  extended_master_secret: 23,
  session_ticket: 35,
  pre_shared_key: 41,
  early_data: 42,
  supported_versions: 43,
  cookie: 44,
  psk_key_exchange_modes: 45,
  certificate_authorities: 47,
  post_handshake_auth: 49,
  signature_algorithms_cert: 50,
  key_share: 51,
  renegotiation_info: 0xff01,
} as const;

export const ProtocolVersion = { TLS10: 0x0301, TLS12: 0x0303, TLS13: 0x0304 } as const;

/** TLS versions as users name them (the `node:tls` spelling). */
export type TlsVersionName = 'TLSv1.2' | 'TLSv1.3';

/** ServerHello.random of a HelloRetryRequest (RFC 8446 §4.1.3). */
export const HELLO_RETRY_RANDOM = Buffer.from(
  'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c',
  'hex',
);

/** Last 8 bytes of ServerHello.random when a 1.3-capable server negotiates 1.2 or lower. */
export const DOWNGRADE_TLS12 = Buffer.from('444f574e47524401', 'hex');
export const DOWNGRADE_TLS11 = Buffer.from('444f574e47524400', 'hex');

/** Largest plaintext fragment (2^14) and the largest ciphertext we accept (RFC 8446 §5.2, RFC 5246 §6.2.3). */
export const MAX_PLAINTEXT = 16384;
export const MAX_CIPHERTEXT_13 = MAX_PLAINTEXT + 256;
export const MAX_CIPHERTEXT_12 = MAX_PLAINTEXT + 2048;

/** Largest handshake message we reassemble (a long certificate chain fits easily). */
export const MAX_HANDSHAKE_MESSAGE = 256 * 1024;
