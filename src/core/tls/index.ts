/** Keyport's signing TLS client: see connect(). */
export { connect, createConnectionFor } from './connect';
export { KeyportTlsSocket } from './socket';
export { coalescedPipe } from './coalesced-pipe';
export { SessionCache, sessionKey, type SessionTicket } from './session-cache';
export type { CertificateRequestDetails, ClientIdentity, ConnectOptions, IdentitySelector, TlsInfo } from './types';
export type { TraceEvent } from './trace';
export type { GroupName } from './key-share';
export type { TlsVersionName } from './constants';
