import type { IdentityView, TokenModuleView } from '../shared/identity';
import { KeyportError } from '../shared/errors';
import { IdentityService, type KeyDestination, type StoreResolver } from './identities/service';
import { Registry } from './identities/registry';
import { KeychainKeyStore, type KeychainApi } from './keystores/keychain';
import { Pkcs11KeyStore, type PinSource } from './keystores/pkcs11';
import type { KeyRef, KeyStore, Signer } from './keystores/types';
import type { KeyportServices } from './services';
import { TokenHostClient } from './tokenhost/client';
import { tokenModuleView, tokenIdentities } from './identities/token-identities';

/** How to open Keyport's core: where state lives and which PKCS#11 modules to load. */
export interface KeyportOptions {
  dataDir: string;
  pkcs11Modules?: string[];
  /** Asked for a token's PIN when it needs a login. */
  pin?: PinSource;
  /** Environment of the token host process (module configuration such as SOFTHSM2_CONF). */
  env?: NodeJS.ProcessEnv;
  /** The OS keychain; keytar by default. */
  keychain?: KeychainApi;
}

const NO_PIN: PinSource = async ({ token }) => {
  throw new KeyportError('KEYPORT_PIN_REQUIRED', `Token "${token}" needs its PIN; none was given.`);
};

/**
 * Keyport's core, as the CLI, `keyport serve` and the Electron main use it. Key stores are opened on
 * first use: listing identities never loads keytar or starts the token host unless a module is set.
 */
export class Keyport implements KeyportServices {
  readonly registry: Registry;
  readonly identities: IdentityService;
  private keychainStore?: KeychainKeyStore;
  private pkcs11Store?: Pkcs11KeyStore;
  private host?: TokenHostClient;

  constructor(private readonly options: KeyportOptions) {
    this.registry = new Registry(options.dataDir);
    this.identities = new IdentityService(this.registry, this.resolver());
  }

  get modules(): string[] {
    return this.options.pkcs11Modules ?? [];
  }

  async listIdentities(): Promise<IdentityView[]> {
    const stored = await this.identities.list();
    if (this.modules.length === 0) return stored;
    const known = new Set(stored.map((i) => i.fingerprintSha256));
    const onTokens = await tokenIdentities(this.pkcs11());
    return [...stored, ...onTokens.filter((i) => !known.has(i.fingerprintSha256))];
  }

  async showIdentity(id: string): Promise<IdentityView & { chainPem: string }> {
    const record = await this.identities.get(id);
    const view = (await this.identities.list()).find((i) => i.id === record.id)!;
    return { ...view, chainPem: await this.identities.chainPem(record.id) };
  }

  removeIdentity(id: string): Promise<void> {
    return this.identities.remove(id);
  }

  async listTokens(): Promise<TokenModuleView[]> {
    if (this.modules.length === 0) return [];
    return (await this.pkcs11().listTokens()).map(tokenModuleView);
  }

  /** The signer of an identity's key, for the TLS client. */
  async signerFor(id: string): Promise<{ signer: Signer; chain: Buffer[] }> {
    const record = await this.identities.get(id);
    const store = await this.storeFor(record.key);
    return { signer: await store.signer(record.key), chain: record.chain.map((c) => Buffer.from(c, 'base64')) };
  }

  /** The keychain store, for operations only it offers (PKCS#12 export). */
  keychain(): KeychainKeyStore {
    this.keychainStore ??= new KeychainKeyStore(this.options.keychain);
    return this.keychainStore;
  }

  async close(): Promise<void> {
    await this.host?.close();
  }

  private pkcs11(): Pkcs11KeyStore {
    if (this.modules.length === 0) {
      throw new KeyportError(
        'KEYPORT_TOKEN_NOT_FOUND',
        'No PKCS#11 module is configured: pass --pkcs11-module PATH or set KEYPORT_PKCS11_MODULES.',
      );
    }
    this.host ??= new TokenHostClient({ env: this.options.env });
    this.pkcs11Store ??= new Pkcs11KeyStore({ host: this.host, modules: this.modules, pin: this.options.pin ?? NO_PIN });
    return this.pkcs11Store;
  }

  private async storeFor(where: KeyDestination | KeyRef): Promise<KeyStore> {
    return where.kind === 'keychain' ? this.keychain() : this.pkcs11();
  }

  private resolver(): StoreResolver {
    return {
      store: (where) => this.storeFor(where),
      publishCertificate: async (ref, certDer, label) => {
        if (ref.kind === 'pkcs11') await this.pkcs11().writeCertificate(ref, certDer, label);
      },
    };
  }
}
