/**
 * The PKCS#11 key store: keys on tokens, reached through the token host. It finds which module
 * holds a token label, logs in lazily with the PIN source when the host says a PIN is needed
 * (also after a host restart lost the login), and never keeps a PIN.
 */
import { resolve } from 'node:path';
import { KeyportError, isKeyportError } from '../../../shared/errors';
import type { KeyDescription, ModuleSummary, TokenAddress, TokenObjectGroup } from '../../tokenhost/protocol';
import type { KeyAlgorithm, KeyRef, KeyStore, Signer, StoredKey } from '../types';
import type { PinRejected, PinSource, TokenHostApi } from './host-api';
import { Pkcs11Signer } from './signer';

export interface Pkcs11KeyStoreOptions {
  host: TokenHostApi;
  /** PKCS#11 module paths, searched in order for token labels. */
  modules: string[];
  pin: PinSource;
  /** Told when a token refuses a PIN from `pin`. */
  onPinRejected?: PinRejected;
}

/** Token objects with the token they are on. */
export type FoundObjects = TokenObjectGroup & TokenAddress;

type Pkcs11Ref = Extract<KeyRef, { kind: 'pkcs11' }>;

/** Keys on PKCS#11 tokens (smartcards, TPM, HSMs). */
export class Pkcs11KeyStore implements KeyStore {
  readonly kind = 'pkcs11' as const;
  private readonly host: TokenHostApi;
  private readonly modules: string[];
  private readonly pin: PinSource;
  private readonly onPinRejected: PinRejected | undefined;
  private readonly logins = new Map<string, Promise<void>>();

  constructor(opts: Pkcs11KeyStoreOptions) {
    this.host = opts.host;
    this.modules = [...new Set(opts.modules.map((m) => resolve(m)))];
    this.pin = opts.pin;
    this.onPinRejected = opts.onPinRejected;
  }

  /** Modules, slots and tokens, for `keyport tokens`. */
  listTokens(): Promise<ModuleSummary[]> {
    return this.host.call('listTokens', { modules: this.modules });
  }

  /**
   * Key pairs and certificates already on tokens (one token, or every initialized token).
   * Certificates and public keys are public objects, so by default no PIN is asked: private keys
   * show only on tokens already logged in. With `login: true` it logs in where needed first
   * (a PIN source that has no PIN then just leaves that token's private keys out).
   */
  async findObjects(token?: string, options: { login?: boolean } = {}): Promise<FoundObjects[]> {
    const tokens = token === undefined ? await this.allTokens() : [await this.locate(token)];
    const found: FoundObjects[] = [];
    for (const { address, needsLogin } of tokens) {
      if (needsLogin && options.login) await this.tryLogin(address);
      const groups = await this.host.call('findObjects', address);
      found.push(...groups.map((g) => ({ ...g, ...address })));
    }
    return found;
  }

  async generate(algorithm: KeyAlgorithm, options: { label: string; token?: string }): Promise<StoredKey> {
    const { address } = await this.locate(options.token);
    const key = await this.withLogin(address, () => this.host.call('generateKey', { ...address, algorithm, label: options.label }));
    return stored(address, key);
  }

  async importPrivateKey(pkcs8: Buffer, options: { label: string; token?: string }): Promise<StoredKey> {
    const { address } = await this.locate(options.token);
    const key = await this.withLogin(address, () =>
      this.host.call('importPrivateKey', { ...address, pkcs8: new Uint8Array(pkcs8), label: options.label }),
    );
    return stored(address, key);
  }

  /**
   * Stores the certificate next to its key (same CKA_ID) so other applications see the identity;
   * `replace` removes the key's other certificates afterwards (a renewal).
   */
  async writeCertificate(ref: KeyRef, certDer: Buffer, label: string, replace = false): Promise<void> {
    const { address, keyId } = pkcs11Ref(ref);
    await this.withLogin(address, () => this.host.call('writeCertificate', { ...address, keyId, certDer: new Uint8Array(certDer), label, ...(replace ? { replace } : {}) }));
  }

  async signer(ref: KeyRef): Promise<Signer> {
    const { address, keyId } = pkcs11Ref(ref);
    const description = await this.withLogin(address, () => this.host.call('describeKey', { ...address, keyId }));
    return new Pkcs11Signer(description, (scheme, data) =>
      this.withLogin(address, () => this.host.call('sign', { ...address, keyId, scheme, data })),
    );
  }

  async delete(ref: KeyRef): Promise<void> {
    const { address, keyId } = pkcs11Ref(ref);
    await this.withLogin(address, () => this.host.call('deleteKey', { ...address, keyId }));
  }

  /** Logs in to a token now (for a UI "unlock" action). */
  login(address: TokenAddress): Promise<void> {
    const key = `${address.module}\0${address.token}`;
    let pending = this.logins.get(key);
    if (!pending) {
      // One prompt per token even when many calls need the login at once.
      pending = (async () => {
        const pin = await this.pin(address);
        try {
          await this.host.call('login', { ...address, pin });
        } catch (e) {
          if (isKeyportError(e, 'KEYPORT_PIN_INCORRECT') || isKeyportError(e, 'KEYPORT_PIN_LOCKED')) this.onPinRejected?.(address, pin);
          throw e;
        }
      })().finally(() => this.logins.delete(key));
      this.logins.set(key, pending);
    }
    return pending;
  }

  /** Logs in with a PIN the user just typed (the UI's unlock), without asking the PIN source. */
  async loginWith(address: TokenAddress, pin: string): Promise<void> {
    await this.host.call('login', { ...address, pin });
  }

  /** Ends the login on one token; its keys then need the PIN again. */
  async logout(address: TokenAddress): Promise<void> {
    await this.host.call('logout', address);
  }

  /** Logs out of every token this host is logged in to (screen lock, suspend, idle timeout). */
  async logoutAll(): Promise<void> {
    const listing = await this.listTokens();
    const loggedIn = listing.flatMap((m) => m.slots.flatMap((s) => (s.token?.loggedIn ? [{ module: m.module, token: s.token.label }] : [])));
    for (const address of loggedIn) await this.logout(address);
  }

  /** Runs `op`; when the token wants a PIN (first use, or a restarted host), logs in and runs it once more. */
  private async withLogin<T>(address: TokenAddress, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (e) {
      if (!isKeyportError(e, 'KEYPORT_PIN_REQUIRED')) throw e;
      await this.login(address);
      return op();
    }
  }

  /** Logs in unless the PIN source has no PIN to give; a wrong PIN still fails. */
  private async tryLogin(address: TokenAddress): Promise<void> {
    try {
      await this.login(address);
    } catch (e) {
      if (!isKeyportError(e, 'KEYPORT_PIN_REQUIRED')) throw e;
    }
  }

  /** Every initialized token of every module. */
  private async allTokens(): Promise<Array<{ address: TokenAddress; needsLogin: boolean }>> {
    const listing = await this.listTokens();
    return listing.flatMap((m) =>
      m.slots.flatMap((s) =>
        s.token?.flags.tokenInitialized && s.token.label
          ? [{ address: { module: m.module, token: s.token.label }, needsLogin: s.token.flags.loginRequired && !s.token.loggedIn }]
          : [],
      ),
    );
  }

  /** The module holding the token labelled `label` (the only token when `label` is undefined). */
  private async locate(label: string | undefined): Promise<{ address: TokenAddress; needsLogin: boolean }> {
    const tokens = await this.allTokens();
    if (label === undefined) {
      const [only, ...others] = tokens;
      if (only && others.length === 0) return only;
      if (only) {
        const labels = tokens.map((t) => `"${t.address.token}"`).join(', ');
        throw new KeyportError('KEYPORT_INVALID_ARGUMENT', `Several PKCS#11 tokens are present (${labels}); choose one with --to pkcs11:LABEL.`);
      }
    }
    const match = tokens.find((t) => t.address.token === label);
    if (match) return match;
    throw await this.noToken(label);
  }

  private async noToken(label: string | undefined): Promise<KeyportError> {
    const broken = (await this.listTokens()).find((m) => m.error);
    if (broken?.error) return new KeyportError(broken.error.code, broken.error.message);
    const what = label === undefined ? 'No initialized PKCS#11 token' : `No PKCS#11 token labelled "${label}"`;
    return new KeyportError('KEYPORT_TOKEN_NOT_FOUND', `${what} in ${this.modules.join(', ') || 'the configured modules'}; check the label with "keyport tokens".`);
  }
}

function pkcs11Ref(ref: KeyRef): { address: TokenAddress; keyId: string } {
  if (ref.kind !== 'pkcs11') {
    throw new KeyportError('KEYPORT_INVALID_ARGUMENT', `The PKCS#11 key store cannot use a ${ref.kind} key; pick the store the key lives in.`);
  }
  return { address: { module: ref.module, token: ref.token }, keyId: ref.keyId };
}

function stored(address: TokenAddress, key: KeyDescription): StoredKey {
  const ref: Pkcs11Ref = { kind: 'pkcs11', ...address, keyId: key.keyId };
  return { ref, algorithm: key.algorithm, publicKeySpki: Buffer.from(key.publicKeySpki) };
}
