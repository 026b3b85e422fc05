import { createECDH, createPublicKey, diffieHellman, generateKeyPairSync } from 'node:crypto';
import { AlertDescription } from './constants';
import { protocolError } from './tls-error';

/** The ECDHE groups this client offers, in default preference order. */
export const Groups = { X25519: 0x001d, 'P-256': 0x0017, 'P-384': 0x0018 } as const;
export type GroupName = keyof typeof Groups;
export const DEFAULT_GROUPS: readonly GroupName[] = ['X25519', 'P-256', 'P-384'];

export function groupName(id: number): GroupName | undefined {
  return (Object.keys(Groups) as GroupName[]).find((n) => Groups[n] === id);
}

/** One ephemeral key pair: its public share for the wire and the ECDH with the server's share. */
export interface KeyShare {
  readonly group: GroupName;
  readonly publicKey: Buffer;
  computeSecret(peer: Buffer): Buffer;
}

export function createKeyShare(group: GroupName): KeyShare {
  return group === 'X25519' ? x25519Share() : nistShare(group);
}

function badShare(group: string): Error {
  return protocolError(`The server sent an invalid ${group} key share.`, AlertDescription.illegal_parameter);
}

/** The X25519 base point (u = 9): X25519(k, 9) is the public key of k (RFC 7748 §6.1). */
const BASE_POINT = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.from([9, ...new Array(31).fill(0)]).toString('base64url') }, format: 'jwk' });

function x25519Share(): KeyShare {
  const { privateKey } = generateKeyPairSync('x25519');
  // Not publicKey.export(): Node 20 exports a JWK holding the key's lock while it allocates, and a
  // garbage collection then can run the finished key-generation job's destructor, which takes the
  // same lock: the process hangs for good (seen in CI). A Diffie-Hellman with the base point gives
  // the same 32 bytes and allocates after the lock is released.
  const raw = diffieHellman({ privateKey, publicKey: BASE_POINT });
  return {
    group: 'X25519',
    publicKey: raw,
    computeSecret(peer) {
      if (peer.length !== 32) throw badShare('X25519');
      const peerKey = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: peer.toString('base64url') }, format: 'jwk' });
      const secret = diffieHellman({ privateKey, publicKey: peerKey });
      // An all-zero result means a low-order point (RFC 8446 §7.4.2).
      if (secret.every((b) => b === 0)) throw badShare('X25519');
      return secret;
    },
  };
}

function nistShare(group: 'P-256' | 'P-384'): KeyShare {
  const ecdh = createECDH(group === 'P-256' ? 'prime256v1' : 'secp384r1');
  const publicKey = ecdh.generateKeys();
  return {
    group,
    publicKey,
    computeSecret(peer) {
      // Only uncompressed points are allowed (RFC 8446 §4.2.8.2, RFC 8422 §5.1.2).
      if (peer.length !== publicKey.length || peer[0] !== 4) throw badShare(group);
      try {
        return ecdh.computeSecret(peer);
      } catch {
        throw badShare(group);
      }
    },
  };
}
