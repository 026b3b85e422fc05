import { createHash, type Hash } from 'node:crypto';
import { HandshakeType } from './constants';
import type { CipherSuite } from './cipher-suites';

/** The handshake transcript: raw messages (1.2 CertificateVerify signs them) and a running hash. */
export class Transcript {
  private messages: Buffer[] = [];
  private running: Hash | undefined;

  add(raw: Buffer): void {
    this.messages.push(raw);
    this.running?.update(raw);
  }

  /** Fixes the hash once the suite is known; messages so far are hashed then. */
  useHash(hash: CipherSuite['hash']): void {
    this.running = createHash(hash);
    for (const m of this.messages) this.running.update(m);
  }

  /** Hash of every message so far. */
  hash(): Buffer {
    if (!this.running) throw new Error('transcript hash used before the suite is known');
    return this.running.copy().digest();
  }

  /** Every message so far, concatenated. */
  bytes(): Buffer {
    return Buffer.concat(this.messages);
  }

  /** After a HelloRetryRequest: ClientHello1 becomes message_hash(Hash(ClientHello1)) (RFC 8446 §4.4.1). */
  replaceWithMessageHash(hash: CipherSuite['hash']): void {
    const digest = createHash(hash).update(this.bytes()).digest();
    const synthetic = Buffer.concat([Buffer.of(HandshakeType.message_hash, 0, 0, digest.length), digest]);
    this.messages = [];
    this.useHash(hash);
    this.add(synthetic);
  }
}
