import type { Duplex } from 'node:stream';
import type { Signer } from '../keystores/types';
import type { TlsVersionName } from './constants';
import type { GroupName } from './key-share';
import type { RecordProtection } from './record-protection';
import type { HandshakeMessage } from './handshake-buffer';
import type { SessionCache } from './session-cache';
import type { Trace } from './trace';
import type { CipherSuite } from './cipher-suites';

/** Options of connect() and createConnectionFor(). */
export interface ConnectOptions {
  host: string;
  port: number;
  /** Name for SNI and certificate checks; defaults to `host` (no SNI when that is an IP address). */
  servername?: string;
  /** Trust anchors, DER or PEM (a PEM buffer may hold several certificates). */
  ca?: Buffer[];
  /** Also trust the system's roots; by default only when no `ca` is given. */
  useSystemStore?: boolean;
  alpn?: string[];
  /** The client identity (key and chain) that answers a CertificateRequest; or give `signer` and `chain`. */
  identity?: ClientIdentity;
  /** The client identity's key; with `chain`, answers a CertificateRequest. */
  signer?: Signer;
  /** Client certificate chain, DER, leaf first, without the root. */
  chain?: Buffer[];
  /**
   * Instead of `identity` (or `signer` and `chain`): picks the identity once the server's CertificateRequest
   * says what it accepts. Called at most once per handshake; its time counts against
   * `timeoutMs`; undefined sends an empty Certificate; a throw fails the handshake with that error.
   */
  selectIdentity?: IdentitySelector;
  minVersion?: TlsVersionName;
  maxVersion?: TlsVersionName;
  /** Handshake time limit in ms (default 30 000); includes TCP connect and signing. */
  timeoutMs?: number;
  /** Run over this stream instead of opening a TCP connection. */
  socket?: Duplex;
  /** Where TLS 1.3 tickets are kept for resumption; without it nothing is resumed. */
  sessionCache?: SessionCache;
  /** Verify the server's certificate (default true). Only for diagnosis. */
  rejectUnauthorized?: boolean;
  /** Key-share groups, in preference order (default X25519, P-256, P-384). */
  groups?: GroupName[];
  /** Records per key before an automatic KeyUpdate (default 2^24, under the AES-GCM limit of RFC 8446 §5.5). */
  keyUpdateAfterRecords?: number;
  /**
   * Accept a TLS 1.2 server without the extended master secret (RFC 7627), deriving the classic
   * master secret instead. Off by default: an explicit, per-endpoint opt-in for old servers (Go < 1.21).
   */
  allowTls12WithoutEms?: boolean;
}

/** What a server's CertificateRequest asks of the client, as `selectIdentity` sees it. */
export interface CertificateRequestDetails {
  version: TlsVersionName;
  /** DER Names of the CAs the server accepts, as sent; empty when it names none. */
  certificateAuthorityNames: Buffer[];
  /** The same names as RFC 4514 strings, in the same order. */
  certificateAuthorities: string[];
  /** Signature scheme ids the server accepts, in its order. */
  signatureSchemes: number[];
  /** Their names, e.g. "rsa_pss_rsae_sha256". */
  signatureAlgorithms: string[];
}

/** A client identity for one handshake; `label` names it in the handshake trace. */
export interface ClientIdentity {
  signer: Signer;
  /** DER, leaf first, without the root. */
  chain: Buffer[];
  label?: string;
}

/** Chooses the client identity for a CertificateRequest; undefined means none. */
export type IdentitySelector = (request: CertificateRequestDetails) => Promise<ClientIdentity | undefined>;

/** What the handshake established, as `socket.tlsInfo`. */
export interface TlsInfo {
  version: TlsVersionName;
  /** IANA name, e.g. TLS_AES_128_GCM_SHA256. */
  cipherSuite: string;
  group: GroupName;
  /** The scheme our CertificateVerify was signed with, if we signed. */
  signatureScheme?: string;
  /** The scheme of the server's handshake signature (absent on resumption). */
  serverSignatureScheme?: string;
  alpn?: string;
  resumed: boolean;
  /** The chain the server sent, DER, leaf first. */
  serverChain: Buffer[];
  certificateRequest?: { signatureAlgorithms: string[]; certificateAuthorities: string[] };
  clientCertificateSent: boolean;
  /**
   * The leaf (DER) of the certificate we authenticated with: sent in this handshake or, on a
   * resumption, in the one whose ticket it used (the server still knows us by that certificate).
   */
  clientLeaf?: Buffer;
  /** TLS 1.2 only: false when the server lacked the extended master secret and allowTls12WithoutEms let it pass. */
  extendedMasterSecret?: boolean;
}

/** Options after defaults: what the state machines read. */
export interface HandshakeConfig {
  host: string;
  port: number;
  /** SNI, absent for IP literals. */
  sni?: string;
  /** The name the server certificate must match. */
  verifyName: string;
  ca: Buffer[];
  useSystemStore?: boolean;
  alpn?: string[];
  signer?: Signer;
  chain: Buffer[];
  selectIdentity?: IdentitySelector;
  offer13: boolean;
  offer12: boolean;
  groups: GroupName[];
  sessionCache?: SessionCache;
  sessionKey: string;
  rejectUnauthorized: boolean;
  allowTls12WithoutEms?: boolean;
}

/** The traffic secrets a 1.3 connection keeps for KeyUpdate and tickets. */
export interface Tls13Secrets {
  suite: CipherSuite;
  clientTraffic: Buffer;
  serverTraffic: Buffer;
  resumptionMaster: Buffer;
}

export interface HandshakeResult {
  info: TlsInfo;
  /** Present on TLS 1.3. */
  secrets?: Tls13Secrets;
}

/** What the state machines need from the connection. */
export interface HandshakeIo {
  readonly trace: Trace;
  /** What we are waiting for; a timeout names it. */
  step: string;
  /** The next handshake message (CCS records are handled per `version`). */
  readMessage(): Promise<HandshakeMessage>;
  send(raw: Buffer): void;
  sendChangeCipherSpec(): void;
  /** Installs new read keys; the server may not straddle a key change with one message. */
  setReadProtection(p: RecordProtection): void;
  setWriteProtection(p: RecordProtection): void;
  /** 1.2: the keys to switch to when the server's ChangeCipherSpec arrives. */
  expectChangeCipherSpec(p: RecordProtection): void;
  readonly changeCipherSpecSeen: boolean;
  /** Part of a handshake message (or a whole one) waits unread. */
  readonly handshakeBuffered: boolean;
  /** Negotiated version once known (decides how CCS and HelloRequest are treated). */
  version: TlsVersionName | undefined;
}
