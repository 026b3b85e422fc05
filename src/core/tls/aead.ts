import { createCipheriv, createDecipheriv, getCiphers } from 'node:crypto';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { gcmBackend, type GcmAddon, type GcmBackend, type GcmContext } from './native-gcm';
import { sharedOutput, type OutputSlab } from './output-slab';

/** The AEADs TLS suites here use. */
export type AeadAlgorithm = 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';

export const TAG_LENGTH = 16;
/** Plaintext up to this size is joined with its trailer before sealing (a copy cheaper than a call). */
const JOIN_TRAILER_MAX = 4096;

/** One AEAD key: seals a record body, opens one or returns null when forged. */
export interface Aead {
  /**
   * The record's bytes in order: `prefix` (the record header), the ciphertext of `plaintext` then
   * `trailer`, the tag. A small record comes as one buffer; a big one as its parts, which the
   * transport writes with one writev instead of copying 16 KB into one buffer.
   */
  seal(nonce: Buffer, aad: Buffer, prefix: Buffer, plaintext: Buffer, trailer?: Buffer): Buffer[];
  /**
   * Ciphertext with the tag at its end; null when authentication fails. The addon writes the
   * plaintext into a slice of `into` (node:crypto and @noble/ciphers allocate their own).
   */
  open(nonce: Buffer, aad: Buffer, sealed: Buffer, into?: OutputSlab): Buffer | null;
  /**
   * TLS 1.3 only, and only on the addon: opens the whole non-empty application-data records at the
   * start of `input` in one call, from record number `seq`, their data back to back in `into`;
   * stops before any other record (see native/aead/aead.c). Undefined when none was opened.
   */
  openRun?(iv: Buffer, seq: number, input: Buffer, into: OutputSlab, maxRecords: number): AeadRun | undefined;
}

/** What openRun opened: how many records, the input bytes they took, and their data. */
export interface AeadRun {
  records: number;
  consumed: number;
  data: Buffer;
}

// Electron's BoringSSL lacks ChaCha20-Poly1305 in node:crypto; then @noble/ciphers does it.
const nativeChaCha = getCiphers().includes('chacha20-poly1305');

/** An AEAD instance for `key`; AES-GCM on `gcm` (tests and benches name one to compare the two). */
export function createAead(alg: AeadAlgorithm, key: Buffer, gcm: GcmBackend = gcmBackend()): Aead {
  if (alg === 'chacha20-poly1305') return nativeChaCha ? nodeAead(alg, key) : nobleChaCha(key);
  return gcm.kind === 'openssl-addon' ? addonGcm(gcm.addon, key) : nodeAead(alg, key);
}

const NO_TRAILER = Buffer.alloc(0);
/** openRun's answer, written by the addon: records, input bytes consumed, bytes written. */
const runResult = new Uint32Array(3);

/**
 * AES-GCM through Keyport's addon: one OpenSSL context per key and direction, made at first use,
 * and each output written once into a slice of an OutputSlab.
 */
function addonGcm(addon: GcmAddon, key: Buffer): Aead {
  let sealer: GcmContext | undefined;
  let opener: GcmContext | undefined;
  return {
    seal(nonce, aad, prefix, plaintext, trailer = NO_TRAILER) {
      const out = sharedOutput.take(prefix.length + plaintext.length + trailer.length + TAG_LENGTH);
      prefix.copy(out, 0);
      addon.seal((sealer ??= addon.create(key, true)), nonce, aad, plaintext, trailer, out, prefix.length);
      return [out];
    },
    open(nonce, aad, sealed, into = sharedOutput) {
      if (sealed.length < TAG_LENGTH) return null;
      const out = into.take(sealed.length - TAG_LENGTH);
      return addon.open((opener ??= addon.create(key, false)), nonce, aad, sealed, out) ? out : null;
    },
    // An addon built before openRun existed still opens records one at a time.
    openRun: typeof addon.openRun !== 'function' ? undefined : (iv, seq, input, into, maxRecords) => {
      addon.openRun((opener ??= addon.create(key, false)), iv, seq, input, into.room(), maxRecords, runResult);
      const [records = 0, consumed = 0, written = 0] = runResult;
      return records ? { records, consumed, data: into.commit(written) } : undefined;
    },
  };
}

function nodeAead(alg: AeadAlgorithm, key: Buffer): Aead {
  return {
    seal(nonce, aad, prefix, plaintext, trailer) {
      const c = createCipheriv(alg as 'aes-128-gcm', key, nonce, { authTagLength: TAG_LENGTH });
      c.setAAD(aad);
      const parts = [prefix];
      // A small record's trailer is sealed in the same call (one native call fewer on the latency
      // path); a big record is not copied for it.
      if (trailer && plaintext.length <= JOIN_TRAILER_MAX) parts.push(c.update(Buffer.concat([plaintext, trailer])));
      else {
        parts.push(c.update(plaintext));
        if (trailer) parts.push(c.update(trailer));
      }
      const fin = c.final();
      if (fin.length > 0) parts.push(fin);
      parts.push(c.getAuthTag());
      return plaintext.length <= JOIN_TRAILER_MAX ? [Buffer.concat(parts)] : parts;
    },
    open(nonce, aad, sealed) {
      if (sealed.length < TAG_LENGTH) return null;
      const d = createDecipheriv(alg as 'aes-128-gcm', key, nonce, { authTagLength: TAG_LENGTH });
      d.setAAD(aad);
      d.setAuthTag(sealed.subarray(sealed.length - TAG_LENGTH));
      const body = d.update(sealed.subarray(0, sealed.length - TAG_LENGTH));
      try {
        const fin = d.final();
        return fin.length ? Buffer.concat([body, fin]) : body;
      } catch {
        return null;
      }
    },
  };
}

function nobleChaCha(key: Buffer): Aead {
  return {
    seal(nonce, aad, prefix, plaintext, trailer) {
      const input = trailer ? Buffer.concat([plaintext, trailer]) : plaintext;
      const out = chacha20poly1305(key, nonce, aad).encrypt(input);
      return [prefix, Buffer.from(out.buffer, out.byteOffset, out.byteLength)];
    },
    open(nonce, aad, sealed) {
      try {
        const out = chacha20poly1305(key, nonce, aad).decrypt(sealed);
        return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
      } catch {
        return null;
      }
    },
  };
}

/** For tests: the ChaCha20-Poly1305 fallback that Electron uses, regardless of the runtime. */
export const createNobleChaChaForTest = nobleChaCha;
