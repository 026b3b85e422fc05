import { createHmac } from 'node:crypto';
import type { CipherSuite } from './cipher-suites';

/** The TLS 1.2 PRF (RFC 5246 §5) and what it derives, with extended master secret (RFC 7627). */

type Hash = CipherSuite['hash'];

export function prf(hash: Hash, secret: Buffer, label: string, seed: Buffer, length: number): Buffer {
  const labelSeed = Buffer.concat([Buffer.from(label, 'latin1'), seed]);
  const out: Buffer[] = [];
  let a = labelSeed;
  let total = 0;
  while (total < length) {
    a = createHmac(hash, secret).update(a).digest();
    const block = createHmac(hash, secret).update(a).update(labelSeed).digest();
    out.push(block);
    total += block.length;
  }
  return Buffer.concat(out).subarray(0, length);
}

/** master_secret = PRF(pms, "extended master secret", session_hash)[0..47]. */
export function extendedMasterSecret(hash: Hash, preMaster: Buffer, sessionHash: Buffer): Buffer {
  return prf(hash, preMaster, 'extended master secret', sessionHash, 48);
}

/**
 * master_secret = PRF(pms, "master secret", client_random + server_random)[0..47] (RFC 5246 §8.1):
 * only for servers without the extended master secret, when the caller opted in.
 */
export function classicMasterSecret(hash: Hash, preMaster: Buffer, clientRandom: Buffer, serverRandom: Buffer): Buffer {
  return prf(hash, preMaster, 'master secret', Buffer.concat([clientRandom, serverRandom]), 48);
}

/** Record keys of both directions for an AEAD suite (no MAC keys). */
export interface KeyBlock12 {
  clientKey: Buffer;
  serverKey: Buffer;
  clientIv: Buffer;
  serverIv: Buffer;
}

/** The key block; GCM takes a 4-byte implicit IV, ChaCha20-Poly1305 a 12-byte one (RFC 7905). */
export function keyBlock(suite: CipherSuite, master: Buffer, clientRandom: Buffer, serverRandom: Buffer): KeyBlock12 {
  const ivLen = suite.aead === 'chacha20-poly1305' ? 12 : 4;
  const k = suite.keyLength;
  const block = prf(suite.hash, master, 'key expansion', Buffer.concat([serverRandom, clientRandom]), 2 * k + 2 * ivLen);
  return {
    clientKey: block.subarray(0, k),
    serverKey: block.subarray(k, 2 * k),
    clientIv: block.subarray(2 * k, 2 * k + ivLen),
    serverIv: block.subarray(2 * k + ivLen, 2 * k + 2 * ivLen),
  };
}

/** verify_data of a 1.2 Finished message. */
export function finished12(hash: Hash, master: Buffer, label: 'client finished' | 'server finished', transcriptHash: Buffer): Buffer {
  return prf(hash, master, label, transcriptHash, 12);
}
