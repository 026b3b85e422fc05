import { createCipheriv, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** A context of the addon: one AES-GCM key, for sealing or for opening (native/aead/aead.c). */
export type GcmContext = { readonly __brand: 'keyport-aead-context' };

/** The functions of Keyport's AES-GCM addon. Each checks its arguments and throws on a wrong one. */
export interface GcmAddon {
  create(key: Uint8Array, encrypt: boolean): GcmContext;
  /** Writes the ciphertext of plaintext then trailer, and the tag, into out from offset; out holds exactly that. */
  seal(ctx: GcmContext, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, trailer: Uint8Array, out: Uint8Array, offset: number): void;
  /** Decrypts ciphertext-then-tag into out (16 bytes shorter); false when authentication fails. */
  open(ctx: GcmContext, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array, out: Uint8Array): boolean;
  /**
   * Opens the whole non-empty TLS 1.3 application-data records at the start of input into out, their
   * data back to back, from record number seq; stops before any other record and before the
   * maxRecords+1-th. result: records opened, input bytes consumed, bytes written.
   */
  openRun(ctx: GcmContext, iv: Uint8Array, seq: number, input: Uint8Array, out: Uint8Array, maxRecords: number, result: Uint32Array): void;
}

/** Which AES-GCM the TLS records use, and why when it is not the addon. */
export type GcmBackend = { kind: 'openssl-addon'; addon: GcmAddon } | { kind: 'node:crypto'; reason: string };

const ADDON_FILE = join('native', 'keyport_aead.node');

/**
 * Where the addon is: out/native, beside the bundles (out/cli, out/main), or from the TypeScript
 * source (src/core/tls) in the built out/ folder.
 */
function addonPath(): string | undefined {
  return [join(__dirname, '..', ADDON_FILE), join(__dirname, '..', '..', '..', 'out', ADDON_FILE)].find((p) => existsSync(p));
}

/**
 * Seals and opens one record with the addon and with node:crypto and compares: the addon runs on
 * whatever OpenSSL the host process exports, so it is trusted only once it agrees.
 */
function agreesWithNodeCrypto(addon: GcmAddon): boolean {
  const key = randomBytes(16);
  const nonce = randomBytes(12);
  const aad = randomBytes(13);
  const plain = randomBytes(37);
  const reference = createCipheriv('aes-128-gcm', key, nonce);
  reference.setAAD(aad);
  const expected = Buffer.concat([reference.update(plain), reference.final(), reference.getAuthTag()]);
  const sealed = Buffer.alloc(expected.length);
  addon.seal(addon.create(key, true), nonce, aad, plain.subarray(0, 30), plain.subarray(30), sealed, 0);
  const opened = Buffer.alloc(plain.length);
  const opener = addon.create(key, false);
  const authentic = addon.open(opener, nonce, aad, expected, opened);
  expected[0] = (expected[0] as number) ^ 1;
  const forgedRefused = !addon.open(opener, nonce, aad, expected, Buffer.alloc(plain.length));
  expected[0] = (expected[0] as number) ^ 1;
  return sealed.equals(expected) && authentic && opened.equals(plain) && forgedRefused;
}

function loadBackend(): GcmBackend {
  if (process.env.KEYPORT_AEAD === 'node') return { kind: 'node:crypto', reason: 'KEYPORT_AEAD=node is set' };
  const file = addonPath();
  if (!file) return { kind: 'node:crypto', reason: 'the addon is not built (npm run build:native)' };
  try {
    const addon = createRequire(__filename)(file) as GcmAddon;
    if (agreesWithNodeCrypto(addon)) return { kind: 'openssl-addon', addon };
    return { kind: 'node:crypto', reason: 'the addon disagrees with node:crypto on this runtime' };
  } catch (e) {
    return { kind: 'node:crypto', reason: `the addon does not load on this runtime (${(e as Error).message.split('\n')[0]})` };
  }
}

let backend: GcmBackend | undefined;

/**
 * The AES-GCM the TLS records use: Keyport's addon where it loads and agrees with node:crypto,
 * else node:crypto (Electron's BoringSSL may not export what the addon needs). Decided once.
 */
export function gcmBackend(): GcmBackend {
  return (backend ??= loadBackend());
}
