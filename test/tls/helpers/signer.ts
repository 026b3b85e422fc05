import type { KeyObject } from 'node:crypto';
import { memorySigner } from '../../../src/core/keystores/memory-signer';
import type { Signer } from '../../../src/core/keystores/types';

/** An in-memory signer that counts its signatures (resumption must not sign). */
export function countingSigner(key: KeyObject): Signer & { calls: number } {
  const inner = memorySigner(key);
  const counted = {
    algorithm: inner.algorithm,
    publicKeySpki: inner.publicKeySpki,
    schemes: inner.schemes,
    calls: 0,
    sign(scheme: Parameters<Signer['sign']>[0], data: Buffer) {
      counted.calls++;
      return inner.sign(scheme, data);
    },
  };
  return counted;
}
