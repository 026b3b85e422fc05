import { createPrivateKey, generateKeyPair, randomBytes, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { KeyportError } from '../../shared/errors';
import { keyAlgorithmName, spkiOf } from '../pki/key-algorithm';
import { memorySigner } from './memory-signer';
import type { KeyAlgorithm, KeyRef, KeyStore, Signer, StoredKey } from './types';

/** The keychain service name every Keyport secret is filed under. */
export const KEYCHAIN_SERVICE = 'keyport';

/** The subset of keytar Keyport uses; injected so the addon loads only when the keychain is used. */
export interface KeychainApi {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

/** A fresh keychain key id (the account the key is filed under). */
export function newKeychainKeyId(): string {
  return `kc-${randomBytes(8).toString('hex')}`;
}

/** Account of the short-lived item that tells a locked keychain from a missing key. */
const PROBE_ACCOUNT = 'keyport-lock-probe';

const generateKeyPairAsync = promisify(generateKeyPair);

/**
 * Private keys kept as secrets in the OS keychain (Secret Service, macOS Keychain, Windows
 * Credential Manager through keytar). The key is PKCS#8 DER, base64, under service `keyport`
 * and an account that is the key id; it is read into memory only to sign.
 */
export class KeychainKeyStore implements KeyStore {
  readonly kind = 'keychain' as const;

  constructor(private readonly api: KeychainApi = loadKeytar()) {}

  async generate(algorithm: KeyAlgorithm, options: { label: string; keyId?: string }): Promise<StoredKey> {
    const { privateKey } = await generateKey(algorithm);
    return this.store(privateKey, options.keyId);
  }

  async importPrivateKey(pkcs8: Buffer, _options: { label: string }): Promise<StoredKey> {
    return this.store(createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }));
  }

  async signer(ref: KeyRef): Promise<Signer> {
    return memorySigner(await this.loadKey(ref));
  }

  /** The key's PKCS#8 DER, for PKCS#12 export of a keychain identity. Never written anywhere by Keyport. */
  async exportPkcs8(ref: KeyRef): Promise<Buffer> {
    return (await this.loadKey(ref)).export({ format: 'der', type: 'pkcs8' });
  }

  async delete(ref: KeyRef): Promise<void> {
    await this.call('delete the key', () => this.api.deletePassword(KEYCHAIN_SERVICE, keychainId(ref)));
  }

  private async store(privateKey: KeyObject, keyId = newKeychainKeyId()): Promise<StoredKey> {
    const secret = privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
    await this.call('store the key', () => this.api.setPassword(KEYCHAIN_SERVICE, keyId, secret));
    return {
      ref: { kind: 'keychain', keyId },
      algorithm: keyAlgorithmName(privateKey) as KeyAlgorithm,
      publicKeySpki: spkiOf(privateKey),
    };
  }

  private async loadKey(ref: KeyRef): Promise<KeyObject> {
    const keyId = keychainId(ref);
    const secret = await this.call('read the key', () => this.api.getPassword(KEYCHAIN_SERVICE, keyId));
    if (secret === null) {
      await this.failIfLocked();
      throw new KeyportError(
        'KEYPORT_KEYCHAIN_KEY_MISSING',
        `The private key ${keyId} is no longer in the OS keychain (service "${KEYCHAIN_SERVICE}"); remove this identity and import it again.`,
      );
    }
    return createPrivateKey({ key: Buffer.from(secret, 'base64'), format: 'der', type: 'pkcs8' });
  }

  /**
   * libsecret answers "not found" for items of a locked collection, so a missing key may be a locked
   * keychain. Writing a probe item tells them apart: a locked collection refuses it.
   */
  private async failIfLocked(): Promise<void> {
    await this.call('check the keychain', async () => {
      await this.api.setPassword(KEYCHAIN_SERVICE, PROBE_ACCOUNT, 'probe');
      await this.api.deletePassword(KEYCHAIN_SERVICE, PROBE_ACCOUNT);
    });
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw keychainError(what, e);
    }
  }
}

function keychainId(ref: KeyRef): string {
  if (ref.kind !== 'keychain') throw new KeyportError('KEYPORT_INTERNAL', `Not a keychain key: ${ref.kind}.`);
  return ref.keyId;
}

/** Generates off the main thread (node:crypto's async keygen runs in the thread pool). */
function generateKey(algorithm: KeyAlgorithm): Promise<{ privateKey: KeyObject }> {
  switch (algorithm) {
    case 'EC-P256':
      return generateKeyPairAsync('ec', { namedCurve: 'P-256' });
    case 'EC-P384':
      return generateKeyPairAsync('ec', { namedCurve: 'P-384' });
    case 'RSA-2048':
      return generateKeyPairAsync('rsa', { modulusLength: 2048 });
    case 'RSA-3072':
      return generateKeyPairAsync('rsa', { modulusLength: 3072 });
  }
}

/** Maps a keytar/libsecret failure onto one sentence: locked keychain or no keychain at all. */
export function keychainError(what: string, e: unknown): KeyportError {
  const detail = e instanceof Error ? e.message : String(e);
  if (/lock|prompt|dismiss|cancel/i.test(detail)) {
    return new KeyportError(
      'KEYPORT_KEYCHAIN_LOCKED',
      `Cannot ${what}: the OS keychain is locked (${detail}); unlock it and try again.`,
      { cause: e },
    );
  }
  return new KeyportError(
    'KEYPORT_KEYCHAIN_UNAVAILABLE',
    `Cannot ${what}: the OS keychain is not reachable (${detail}); start or unlock your keyring (on Linux a Secret Service such as gnome-keyring) and try again.`,
    { cause: e },
  );
}

function loadKeytar(): KeychainApi {
  try {
    // Loaded on first use: the native addon is only needed when a keychain key is touched.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('keytar') as KeychainApi;
  } catch (e) {
    throw new KeyportError(
      'KEYPORT_KEYCHAIN_UNAVAILABLE',
      `Cannot use the OS keychain: the keytar module did not load (${(e as Error).message}); reinstall Keyport.`,
      { cause: e },
    );
  }
}
