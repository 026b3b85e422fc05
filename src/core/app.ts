import type { IdentityView, TokenModuleView } from '../shared/identity';
import { KeyportError } from '../shared/errors';
import { RenewalService } from './enroll/renewal';
import { AcmeService } from './enroll/acme';
import { IdentityService, type KeyDestination, type StoreResolver } from './identities/service';
import { Registry } from './identities/registry';
import { KeychainKeyStore, type KeychainApi } from './keystores/keychain';
import { Pkcs11KeyStore, type PinRejected, type PinSource } from './keystores/pkcs11';
import type { KeyRef, KeyStore, Signer } from './keystores/types';
import { parseCertificate } from './pki/certificate';
import { createCsr } from './pki/csr';
import { buildPkcs12 } from './pki/pkcs12';
import { encodePem } from './pki/pem';
import { TokenHostClient, type TokenHostClientOptions } from './tokenhost/client';
import { findByIdOrLabel } from './identities/lookup';
import type { IdentityRecord } from './identities/schema';
import { TOKEN_ID_PREFIX, tokenIdentityRecords, tokenModuleView } from './identities/token-identities';
import { identityView } from './identities/view';
import { savedRoutesUsing } from './proxy/saved-routes';

/** How to open Keyport's core: where state lives and which PKCS#11 modules to load. */
export interface KeyportOptions {
  dataDir: string;
  pkcs11Modules?: string[];
  /** Asked for a token's PIN when it needs a login. */
  pin?: PinSource;
  /** Told when a token refuses a PIN from `pin` (so an unattended source stops giving it). */
  onPinRejected?: PinRejected;
  /** Environment of the token host process (module configuration such as SOFTHSM2_CONF). */
  env?: NodeJS.ProcessEnv;
  /** The OS keychain; keytar by default. */
  keychain?: KeychainApi;
  /** How to start the token host: the Electron main passes its bundle path and a utilityProcess launcher. */
  tokenHost?: Pick<TokenHostClientOptions, 'entry' | 'fork'>;
}

const NO_PIN: PinSource = async ({ token }) => {
  throw new KeyportError('KEYPORT_PIN_REQUIRED', `Token "${token}" needs its PIN; none was given.`);
};

/**
 * Keyport's core, as the CLI, `keyport serve` and the Electron main use it. Key stores are opened on
 * first use: listing identities never loads keytar or starts the token host unless a module is set.
 */
export class Keyport {
  readonly registry: Registry;
  readonly identities: IdentityService;
  /** Enrollment (step-ca), renewal, the key-operation journal and the CAs' trust bundles. */
  readonly enrollment: RenewalService;
  /** ACME enrollment and renewal (`keyport renew` and the scheduler reach it through `enrollment`). */
  readonly acme: AcmeService;
  private keychainStore?: KeychainKeyStore;
  private pkcs11Store?: Pkcs11KeyStore;
  private host?: TokenHostClient;

  constructor(private readonly options: KeyportOptions) {
    this.registry = new Registry(options.dataDir);
    this.identities = new IdentityService(this.registry, this.resolver());
    this.enrollment = new RenewalService(this.registry, this.resolver());
    this.acme = new AcmeService(this.registry, this.resolver(), this.enrollment.journal, this.enrollment.bundles);
    this.enrollment.delegate('acme', (id, rekey) => this.acme.renew(id, { rekey }));
  }

  /** Where all state lives. */
  get dataDir(): string {
    return this.options.dataDir;
  }

  get modules(): string[] {
    return this.options.pkcs11Modules ?? [];
  }

  async listIdentities(): Promise<IdentityView[]> {
    return (await this.records()).map((r) => identityView(r));
  }

  async showIdentity(id: string): Promise<IdentityView & { chainPem: string }> {
    const record = await this.record(id);
    return { ...identityView(record), chainPem: chainToPem(record) };
  }

  async removeIdentity(id: string): Promise<void> {
    const record = await this.record(id);
    if (record.id.startsWith(TOKEN_ID_PREFIX)) {
      throw new KeyportError(
        'KEYPORT_EXPORT_NOT_ALLOWED',
        `Identity ${record.id} lives on token "${tokenName(record)}" and was not made by Keyport; delete it with the token's own tools.`,
      );
    }
    const users = await savedRoutesUsing(this.dataDir, record.id, await this.records());
    if (users.length > 0) {
      throw new KeyportError(
        'KEYPORT_PROXY_IDENTITY_IN_USE',
        `Cannot remove identity ${record.id} (${record.label}): saved proxy settings use it (${users.join(', ')}); remove or change them first (on the Proxy screen, or \`keyport routes remove NAME\`), or the daemon and the app would run no route.`,
      );
    }
    await this.identities.remove(record.id);
  }

  /** The chain as PEM, leaf first. */
  async chainPem(id: string): Promise<string> {
    return chainToPem(await this.record(id));
  }

  /** A fresh CSR signed by the identity's key, with its current subject and SANs (to renew elsewhere). */
  async csrFor(id: string): Promise<string> {
    const record = await this.record(id);
    const leaf = parseCertificate(Buffer.from(record.chain[0]!, 'base64'));
    const signer = await (await this.storeFor(record.key)).signer(record.key);
    return createCsr({ subject: leaf.subject, sans: leaf.sans, signer });
  }

  /**
   * The identity as PKCS#12 (modern, or `legacy` for old Windows, macOS and Java). Only keychain keys
   * can be exported: a token key never leaves its token.
   */
  async exportPkcs12(id: string, password: string, legacy: boolean): Promise<Buffer> {
    const record = await this.record(id);
    if (record.key.kind !== 'keychain') {
      throw new KeyportError(
        'KEYPORT_EXPORT_NOT_ALLOWED',
        `Cannot export ${record.id} as PKCS#12: its key lives on token "${record.key.token}" and cannot leave it; export the chain with --chain instead.`,
      );
    }
    return buildPkcs12({
      keyPkcs8: await this.keychain().exportPkcs8(record.key),
      chain: record.chain.map((c) => Buffer.from(c, 'base64')),
      password,
      friendlyName: record.label,
      legacy,
    });
  }

  /** One identity by id, id prefix or label: stored ones first, then those found on tokens. */
  async record(query: string): Promise<IdentityRecord> {
    return findByIdOrLabel(await this.records(), query, 'identity');
  }

  async listTokens(): Promise<TokenModuleView[]> {
    if (this.modules.length === 0) return [];
    return (await this.pkcs11().listTokens()).map(tokenModuleView);
  }

  /** Logs in to a token with a PIN the user just typed. */
  async loginToken(address: { module: string; token: string }, pin: string): Promise<void> {
    await this.pkcs11().loginWith(address, pin);
  }

  /** Ends the login on one token. */
  async logoutToken(address: { module: string; token: string }): Promise<void> {
    await this.pkcs11().logout(address);
  }

  /** Logs out of every token; nothing to do while no token host runs. */
  async logoutAll(): Promise<void> {
    if (this.host) await this.pkcs11().logoutAll();
  }

  /** The signer of an identity's key, for the TLS client. */
  async signerFor(id: string): Promise<{ signer: Signer; chain: Buffer[] }> {
    const record = await this.record(id);
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

  /** Registry identities plus, when modules are configured, those on tokens not already registered (one token scan). */
  async records(): Promise<IdentityRecord[]> {
    const { identities, operations } = await this.registry.read();
    if (this.modules.length === 0) return identities;
    const known = new Set(identities.map((r) => r.chain[0]));
    // A token key Keyport tracks is not a separate identity: earlier certificates of a renewed identity
    // stay beside its key, and a key operation in progress (journal) owns its new and retiring keys.
    const tracked = [...identities.map((r) => r.key), ...operations.flatMap((o) => [...o.newKeys, ...(o.retireKey ? [o.retireKey] : [])])];
    const keys = new Set(tracked.map(tokenKeyId));
    const onTokens = await tokenIdentityRecords(this.pkcs11());
    return [...identities, ...onTokens.filter((r) => !known.has(r.chain[0]) && !keys.has(tokenKeyId(r.key)))];
  }

  private pkcs11(): Pkcs11KeyStore {
    if (this.modules.length === 0) {
      throw new KeyportError(
        'KEYPORT_TOKEN_NOT_FOUND',
        'No PKCS#11 module is configured: pass --pkcs11-module PATH or set KEYPORT_PKCS11_MODULES.',
      );
    }
    this.host ??= new TokenHostClient({ env: this.options.env, ...this.options.tokenHost });
    this.pkcs11Store ??= new Pkcs11KeyStore({
      host: this.host,
      modules: this.modules,
      pin: this.options.pin ?? NO_PIN,
      ...(this.options.onPinRejected ? { onPinRejected: this.options.onPinRejected } : {}),
    });
    return this.pkcs11Store;
  }

  private async storeFor(where: KeyDestination | KeyRef): Promise<KeyStore> {
    return where.kind === 'keychain' ? this.keychain() : this.pkcs11();
  }

  private resolver(): StoreResolver {
    return {
      store: (where) => this.storeFor(where),
      publishCertificate: async (ref, certDer, label, replace) => {
        if (ref.kind === 'pkcs11') await this.pkcs11().writeCertificate(ref, certDer, label, replace === true);
      },
      findKeysByLabel: async (dest, label) => {
        if (dest.kind !== 'pkcs11') return [];
        const groups = await this.pkcs11().findObjects(dest.token, { login: true });
        return groups
          .filter((g) => g.privateKey?.label === label)
          .map((g) => ({ kind: 'pkcs11' as const, module: g.module, token: g.token, keyId: g.keyId }));
      },
    };
  }
}

function chainToPem(record: IdentityRecord): string {
  return record.chain.map((c) => encodePem('CERTIFICATE', Buffer.from(c, 'base64'))).join('');
}

function tokenKeyId(key: KeyRef): string {
  return key.kind === 'pkcs11' ? `${key.module}\0${key.token}\0${key.keyId}` : '';
}

function tokenName(record: IdentityRecord): string {
  return record.key.kind === 'pkcs11' ? record.key.token : 'keychain';
}
