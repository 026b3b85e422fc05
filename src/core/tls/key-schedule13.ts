import { createHash, createHmac } from 'node:crypto';
import type { CipherSuite } from './cipher-suites';

/** The TLS 1.3 key schedule (RFC 8446 §7.1) over HKDF with the suite's hash. */

type Hash = CipherSuite['hash'];

export function hkdfExtract(hash: Hash, salt: Buffer, ikm: Buffer): Buffer {
  return createHmac(hash, salt).update(ikm).digest();
}

/**
 * HKDF-Expand-Label(secret, "tls13 " + label, context, length). Every TLS 1.3 output (keys, IVs,
 * secrets) fits one block of the suite's hash, so HKDF-Expand (RFC 5869 §2.3) is one HMAC:
 * T(1) = HMAC(secret, HkdfLabel || 0x01).
 */
export function expandLabel(hash: Hash, secret: Buffer, label: string, context: Buffer, length: number): Buffer {
  if (length > hashLength(hash)) throw new Error(`HKDF-Expand-Label of ${length} bytes is longer than one ${hash} block`);
  const fullLabel = Buffer.from(`tls13 ${label}`, 'latin1');
  const info = Buffer.allocUnsafe(2 + 1 + fullLabel.length + 1 + context.length + 1);
  info.writeUInt16BE(length, 0);
  info[2] = fullLabel.length;
  fullLabel.copy(info, 3);
  info[3 + fullLabel.length] = context.length;
  context.copy(info, 4 + fullLabel.length);
  info[info.length - 1] = 1;
  return createHmac(hash, secret).update(info).digest().subarray(0, length);
}

export function hashLength(hash: Hash): number {
  return hash === 'sha384' ? 48 : 32;
}

/** Derive-Secret(secret, label, transcript hash). */
export function deriveSecret(hash: Hash, secret: Buffer, label: string, transcriptHash: Buffer): Buffer {
  return expandLabel(hash, secret, label, transcriptHash, hashLength(hash));
}

export const emptyHash = (hash: Hash): Buffer => createHash(hash).digest();

/** Record key and IV of one traffic secret. */
export interface TrafficKeys {
  key: Buffer;
  iv: Buffer;
}

export function trafficKeys(suite: CipherSuite, secret: Buffer): TrafficKeys {
  return {
    key: expandLabel(suite.hash, secret, 'key', Buffer.alloc(0), suite.keyLength),
    iv: expandLabel(suite.hash, secret, 'iv', Buffer.alloc(0), 12),
  };
}

/** verify_data of a Finished message sent with `baseSecret`. */
export function finishedVerifyData(hash: Hash, baseSecret: Buffer, transcriptHash: Buffer): Buffer {
  const key = expandLabel(hash, baseSecret, 'finished', Buffer.alloc(0), hashLength(hash));
  return createHmac(hash, key).update(transcriptHash).digest();
}

/** The next application traffic secret after a KeyUpdate. */
export function nextTrafficSecret(hash: Hash, secret: Buffer): Buffer {
  return expandLabel(hash, secret, 'traffic upd', Buffer.alloc(0), hashLength(hash));
}

/** Early secret from a PSK (or zeros when there is none). */
export function earlySecret(hash: Hash, psk?: Buffer): Buffer {
  const zeros = Buffer.alloc(hashLength(hash));
  return hkdfExtract(hash, zeros, psk ?? zeros);
}

/** Handshake secret from the early secret and the (EC)DHE shared secret. */
export function handshakeSecret(hash: Hash, early: Buffer, shared: Buffer): Buffer {
  return hkdfExtract(hash, deriveSecret(hash, early, 'derived', emptyHash(hash)), shared);
}

export function masterSecret(hash: Hash, handshake: Buffer): Buffer {
  return hkdfExtract(hash, deriveSecret(hash, handshake, 'derived', emptyHash(hash)), Buffer.alloc(hashLength(hash)));
}

/** The PSK a NewSessionTicket stands for. */
export function ticketPsk(hash: Hash, resumptionMaster: Buffer, nonce: Buffer): Buffer {
  return expandLabel(hash, resumptionMaster, 'resumption', nonce, hashLength(hash));
}

/** The key a PSK binder is an HMAC with (resumption PSKs only). */
export function binderKey(hash: Hash, early: Buffer): Buffer {
  const base = deriveSecret(hash, early, 'res binder', emptyHash(hash));
  return expandLabel(hash, base, 'finished', Buffer.alloc(0), hashLength(hash));
}

export function hmac(hash: Hash, key: Buffer, data: Buffer): Buffer {
  return createHmac(hash, key).update(data).digest();
}
