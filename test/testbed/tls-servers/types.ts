/** The shapes shared by every test-bed TLS server. */

/** The TLS server implementations of the interop matrix. */
export type TlsServerKind = 'openssl' | 'gnutls' | 'nginx' | 'go' | 'node';

/** The one protocol version a server accepts. */
export type TlsVersion = 'TLSv1.2' | 'TLSv1.3';

/** Key exchange groups, in the names OpenSSL and Node accept. */
export const TLS_GROUPS = ['X25519', 'P-256', 'P-384', 'P-521'] as const;
export type TlsGroup = (typeof TLS_GROUPS)[number];

/** How to start a server. Files are PEM. */
export interface TlsServerOptions {
  /** The only version the server accepts. */
  version: TlsVersion;
  /** The server's certificate (leaf only). */
  certFile: string;
  /** The server's private key. */
  keyFile: string;
  /** Intermediates the server sends after its certificate. */
  chainFile?: string;
  /** CAs that a client certificate must chain to; the server requires and verifies one. */
  clientCaFile: string;
  /** Key exchange groups the server accepts, in preference order (default: the server's own). */
  groups?: string[];
  /** ALPN protocols the server offers (nginx speaks only http/1.1). */
  alpn?: string[];
  /** nginx only: serve this directory's files under /files/ (big downloads for stream tests and benches). */
  filesDir?: string;
  /** nginx only: false turns TLS session tickets off, so that every handshake is a full one (default on). */
  sessionTickets?: boolean;
}

/** How to start the Go server (go-echo): the shared options, plus its authorisation policy. */
export interface GoServerOptions extends TlsServerOptions {
  /**
   * Refuse a client certificate that verified but whose subject CN is this, as a service's
   * authorisation policy does (tls.Config.VerifyConnection). Go's crypto/tls (1.23) answers
   * every VerifyConnection error with alert 42 bad_certificate: it cannot send 49
   * access_denied on TCP (tls.AlertError picks the alert only on QUIC).
   */
  denyClientCn?: string;
  /**
   * After refusing a handshake, read what the client still sends (up to 2 s) before closing.
   * Default: close at once, as Go's net/http does; with the client's flight unread, the kernel
   * then sends a TCP reset right after the alert.
   */
  lingerAfterRejection?: boolean;
}

/** What a server reported about one connection whose client certificate it verified. */
export interface ClientEvidence {
  /** The verified client certificate's subject, RFC 4514 order and syntax ("CN=a,O=b"). */
  subject: string;
  /** SHA-256 of the client certificate's DER, lower-case hex without colons. */
  fingerprintSha256: string;
  /** The negotiated protocol version. */
  version: TlsVersion;
  /** The negotiated cipher suite in the server's own naming (OpenSSL, IANA or GnuTLS). */
  cipher: string;
}

/** A running test-bed TLS server on loopback. */
export interface TlsServer {
  readonly kind: TlsServerKind;
  readonly host: '127.0.0.1';
  readonly port: number;
  /** Connections the server accepted after verifying the client certificate, oldest first. */
  evidence(): Promise<ClientEvidence[]>;
  /** The server's own words for each connection it refused (no certificate, unknown CA, ...). */
  rejections(): Promise<string[]>;
  /**
   * Sends a KeyUpdate (update_requested) on the current connection. Only servers that can
   * initiate one out of band have it: OpenSSL in control mode (startOpenSslControlServer).
   * gnutls-serv does it in band (see GNUTLS_KEY_UPDATE_LINE); Go's crypto/tls, Node's tls
   * and nginx cannot initiate one.
   */
  serverKeyUpdate?(): Promise<void>;
  /** Stops the server and removes its temporary files. Safe to call twice. */
  stop(): Promise<void>;
}
