/**
 * The symmetric ciphers PKCS#12 files use, in CBC mode with PKCS#7 padding. AES comes from
 * node:crypto (also in Electron's BoringSSL); DES, 3DES and RC2 from node-forge, because
 * OpenSSL 3 hides them behind its legacy provider and BoringSSL has no RC2; RC4 is small
 * enough to write out here.
 */
import * as crypto from 'node:crypto';
// forge's DES and RC2 modules only (they bring its cipher, modes and util): its index loads all of
// forge, 600 KB of the CLI bundle that every command loaded (3-11 ms of a profiled start-up).
import forge from 'node-forge/lib/forge';
import 'node-forge/lib/des';
import 'node-forge/lib/rc2';

/** Block ciphers by family; the key length picks the variant (AES-128/192/256, RC2 bits). */
export type BlockCipherName = 'AES' | 'DES' | '3DES' | 'RC2';

/** Block size in bytes of each family. */
export const BLOCK_BYTES: Readonly<Record<BlockCipherName, number>> = { AES: 16, DES: 8, '3DES': 8, RC2: 8 };

/**
 * CBC-decrypts and strips PKCS#7 padding; null when the length or padding is wrong (what a
 * wrong password usually gives). `rc2Bits` is RC2's effective key size.
 */
export function cbcDecrypt(
  name: BlockCipherName,
  key: Buffer,
  iv: Buffer,
  data: Buffer,
  rc2Bits = key.length * 8,
): Buffer | null {
  const block = BLOCK_BYTES[name];
  if (data.length === 0 || data.length % block !== 0 || iv.length !== block) return null;
  const plain = name === 'AES' ? aes(false, key, iv, data) : forgeCbc(false, name, key, iv, data, rc2Bits);
  return unpad(plain, block);
}

/** PKCS#7-pads and CBC-encrypts. */
export function cbcEncrypt(
  name: BlockCipherName,
  key: Buffer,
  iv: Buffer,
  data: Buffer,
  rc2Bits = key.length * 8,
): Buffer {
  const padded = pad(data, BLOCK_BYTES[name]);
  return name === 'AES' ? aes(true, key, iv, padded) : forgeCbc(true, name, key, iv, padded, rc2Bits);
}

/** RC4 (a stream cipher: encryption and decryption are the same operation). */
export function rc4(key: Buffer, data: Buffer): Buffer {
  const s = Uint8Array.from({ length: 256 }, (_, i) => i);
  for (let i = 0, j = 0; i < 256; i++) {
    j = (j + s[i]! + key[i % key.length]!) & 0xff;
    [s[i], s[j]] = [s[j]!, s[i]!];
  }
  const out = Buffer.alloc(data.length);
  for (let n = 0, i = 0, j = 0; n < data.length; n++) {
    i = (i + 1) & 0xff;
    j = (j + s[i]!) & 0xff;
    [s[i], s[j]] = [s[j]!, s[i]!];
    out[n] = data[n]! ^ s[(s[i]! + s[j]!) & 0xff]!;
  }
  return out;
}

/** Raw AES-CBC over whole blocks (padding is handled here, not by OpenSSL). */
function aes(encrypt: boolean, key: Buffer, iv: Buffer, data: Buffer): Buffer {
  const algorithm = `aes-${key.length * 8}-cbc`;
  const c = encrypt ? crypto.createCipheriv(algorithm, key, iv) : crypto.createDecipheriv(algorithm, key, iv);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(data), c.final()]);
}

/** Raw DES/3DES/RC2-CBC over whole blocks through node-forge's binary-string API. */
function forgeCbc(
  encrypt: boolean,
  name: Exclude<BlockCipherName, 'AES'>,
  key: Buffer,
  iv: Buffer,
  data: Buffer,
  rc2Bits: number,
): Buffer {
  const keyBuf = forge.util.createBuffer(key.toString('binary'));
  const input = forge.util.createBuffer(data.toString('binary'));
  const noPadding = (): boolean => true;
  if (name === 'RC2') {
    const c = encrypt
      ? forge.rc2.createEncryptionCipher(keyBuf, rc2Bits)
      : forge.rc2.createDecryptionCipher(keyBuf, rc2Bits);
    c.start(forge.util.createBuffer(iv.toString('binary')));
    c.update(input);
    c.finish(noPadding);
    return Buffer.from(c.output.getBytes(), 'binary');
  }
  const algorithm = name === 'DES' ? 'DES-CBC' : '3DES-CBC';
  const c = encrypt ? forge.cipher.createCipher(algorithm, keyBuf) : forge.cipher.createDecipher(algorithm, keyBuf);
  c.start({ iv: forge.util.createBuffer(iv.toString('binary')) });
  c.update(input);
  // forge accepts a padding callback here; its typings omit the parameter.
  (c as unknown as { finish(pad: () => boolean): boolean }).finish(noPadding);
  return Buffer.from(c.output.getBytes(), 'binary');
}

function pad(data: Buffer, block: number): Buffer {
  const n = block - (data.length % block);
  return Buffer.concat([data, Buffer.alloc(n, n)]);
}

function unpad(data: Buffer, block: number): Buffer | null {
  const n = data[data.length - 1];
  if (n === undefined || n === 0 || n > block) return null;
  for (let i = data.length - n; i < data.length; i++) if (data[i] !== n) return null;
  return data.subarray(0, data.length - n);
}
