import { AlertDescription, AlertLevel, HandshakeType } from './constants';
import type { HandshakeMessage } from './handshake-buffer';
import { nextTrafficSecret, ticketPsk } from './key-schedule13';
import { encodeKeyUpdate, parseKeyUpdate, parseNewSessionTicket } from './messages13';
import { protection } from './client13';
import type { RecordLayer } from './record-layer';
import { MAX_TICKET_LIFETIME_MS, type SessionCache } from './session-cache';
import { protocolError } from './tls-error';
import { unexpected } from './handshake';
import type { HandshakeResult, Tls13Secrets } from './types';

/** Handshake messages after the handshake: tickets and KeyUpdate (1.3), refusing renegotiation (1.2). */
export class PostHandshake {
  private secrets: Tls13Secrets | undefined;
  /** True while our KeyUpdate asking the peer to update is unanswered. */
  private peerUpdateRequested = false;
  /** We sent a KeyUpdate since our last application data: more requests are already answered (RFC 8446 §4.6.3). */
  private updatedSinceWrite = false;

  constructor(
    private readonly layer: RecordLayer,
    private readonly result: HandshakeResult,
    private readonly cache: SessionCache | undefined,
    private readonly cacheKey: string,
  ) {
    this.secrets = result.secrets;
  }

  onMessage(msg: HandshakeMessage): void {
    this.layer.trace.handshake('received', msg.type, msg.raw.length);
    if (!this.secrets) return this.on12(msg);
    if (msg.type === HandshakeType.new_session_ticket) return this.storeTicket(msg.body);
    if (msg.type === HandshakeType.key_update) return this.onKeyUpdate(msg.body);
    throw unexpected(msg.type, 'post-handshake messages');
  }

  /** Sends KeyUpdate and switches our sending key; `requestPeer` asks the server to do the same. */
  keyUpdate(requestPeer: boolean): void {
    const s = this.secrets;
    if (!s) throw new Error('KeyUpdate needs TLS 1.3');
    this.layer.writeHandshake(encodeKeyUpdate(requestPeer));
    s.clientTraffic = nextTrafficSecret(s.suite.hash, s.clientTraffic);
    this.layer.write = protection(s.suite, s.clientTraffic);
    if (requestPeer) this.peerUpdateRequested = true;
    this.updatedSinceWrite = true;
  }

  /** We sent application data: the next KeyUpdate request gets its own answer. */
  onApplicationWrite(): void {
    this.updatedSinceWrite = false;
  }

  /** Asks the peer for new keys when its key nears the AEAD limit (at most once per key). */
  requestPeerUpdate(): void {
    if (!this.peerUpdateRequested) this.keyUpdate(true);
  }

  get tls13(): boolean {
    return this.secrets !== undefined;
  }

  private on12(msg: HandshakeMessage): void {
    if (msg.type !== HandshakeType.hello_request) throw unexpected(msg.type, 'application data');
    // Renegotiation is refused, politely (RFC 5246 §7.2.2).
    this.layer.writeAlert(AlertLevel.warning, AlertDescription.no_renegotiation);
  }

  private onKeyUpdate(body: Buffer): void {
    const s = this.secrets as Tls13Secrets;
    const { updateRequested } = parseKeyUpdate(body);
    this.layer.limits.onKeyUpdate();
    if (!this.layer.handshake.empty) {
      throw protocolError('The server straddled a KeyUpdate across records.', AlertDescription.unexpected_message);
    }
    s.serverTraffic = nextTrafficSecret(s.suite.hash, s.serverTraffic);
    this.layer.read = protection(s.suite, s.serverTraffic);
    this.peerUpdateRequested = false;
    // A batch of requests while we are silent gets a single answer, as in BoringSSL.
    if (updateRequested && !this.updatedSinceWrite) this.keyUpdate(false);
  }

  private storeTicket(body: Buffer): void {
    const s = this.secrets as Tls13Secrets;
    const nst = parseNewSessionTicket(body);
    if (!this.cache || nst.lifetimeSeconds === 0) return;
    const now = Date.now();
    const info = this.result.info;
    this.cache.put(this.cacheKey, {
      ticket: nst.ticket,
      psk: ticketPsk(s.suite.hash, s.resumptionMaster, nst.nonce),
      suiteId: s.suite.id,
      ageAdd: nst.ageAdd,
      receivedAt: now,
      expiresAt: now + Math.min(nst.lifetimeSeconds * 1000, MAX_TICKET_LIFETIME_MS),
      ...(info.alpn ? { alpn: info.alpn } : {}),
      serverChain: info.serverChain,
      ...(info.clientLeaf ? { clientLeaf: info.clientLeaf } : {}),
    });
  }
}
