import { createPrivateKey, randomBytes } from 'node:crypto';
import { KeyportError } from '../../shared/errors';
import type { KeyAlgorithm, KeyRef, KeyStore } from '../keystores/types';
import { parseCertificate } from '../pki/certificate';
import { chainForKey } from '../pki/chain';
import { createCsr } from '../pki/csr';
import { spkiOf } from '../pki/key-algorithm';
import { findByIdOrLabel } from './lookup';
import type { Registry } from './registry';
import type { IdentityRecord } from './schema';

/** Where a new key goes: the OS keychain or a PKCS#11 token by label. */
export type KeyDestination = { kind: 'keychain' } | { kind: 'pkcs11'; token: string };

/** The key stores the identity service can reach; a token store also writes certificates. */
export interface StoreResolver {
  store(dest: KeyDestination | KeyRef): Promise<KeyStore>;
  /**
   * Puts the certificate beside a token key so other apps see the identity (with `replace`, instead of
   * the key's earlier certificates); no-op for the keychain.
   */
  publishCertificate(ref: KeyRef, certDer: Buffer, label: string, replace?: boolean): Promise<void>;
  /** Keys on a token whose label is `label` (finds a key made just before a crash); none for the keychain. */
  findKeysByLabel?(dest: KeyDestination, label: string): Promise<KeyRef[]>;
}

/** A key and the chain issued for it, ready to become an identity. */
export interface NewIdentity {
  pkcs8: Buffer;
  certs: Buffer[];
  to: KeyDestination;
  label?: string;
  source: string;
}

/**
 * Identities: adding (import, keygen + attach), listing and removing, keeping the registry and the
 * key stores in step. Every operation either completes or leaves both as they were.
 */
export class IdentityService {
  constructor(
    private readonly registry: Registry,
    private readonly stores: StoreResolver,
  ) {}

  async get(query: string): Promise<IdentityRecord> {
    const { identities } = await this.registry.read();
    return findByIdOrLabel(identities, query, 'identity');
  }

  /** Stores the key, then records the identity; if recording fails the key is deleted again. */
  async add(n: NewIdentity): Promise<string> {
    const spki = spkiOf(createPrivateKey({ key: n.pkcs8, format: 'der', type: 'pkcs8' }));
    const { chain, leaf } = await this.checkChainForKey(n.certs, spki, 'the private key');
    const store = await this.stores.store(n.to);
    const label = n.label ?? commonName(leaf.subject);
    const stored = await store.importPrivateKey(n.pkcs8, { label, ...tokenOf(n.to) });
    return this.rollbackOnError(store, stored.ref, async () => {
      await this.stores.publishCertificate(stored.ref, chain[0]!, label);
      return this.registry.update((draft) => pushIdentity(draft.identities, stored.ref, chain, label, n.source));
    });
  }

  /** Generates a key where it will live and returns its CSR; `attach` later binds the issued chain. */
  async keygen(o: {
    to: KeyDestination;
    algorithm: KeyAlgorithm;
    subject: string;
    sans: string[];
    label?: string;
  }): Promise<{ keyId: string; csr: string }> {
    const store = await this.stores.store(o.to);
    const label = o.label ?? commonName(o.subject);
    const stored = await store.generate(o.algorithm, { label, ...tokenOf(o.to) });
    return this.rollbackOnError(store, stored.ref, async () => {
      const csr = await createCsr({ subject: o.subject, sans: o.sans, signer: await store.signer(stored.ref) });
      const keyId = newId('k');
      await this.registry.update((draft) => {
        draft.pendingKeys.push({
          id: keyId,
          key: stored.ref,
          algorithm: stored.algorithm,
          publicKeySpki: stored.publicKeySpki.toString('base64'),
          subject: o.subject,
          sans: o.sans,
          createdAt: new Date().toISOString(),
        });
      });
      return { keyId, csr };
    });
  }

  /** Binds an issued chain to a key made by keygen; refused when the certificate is for another key. */
  async attach(keyId: string, certs: Buffer[], label?: string): Promise<string> {
    const { pendingKeys } = await this.registry.read();
    const pending = findByIdOrLabel(pendingKeys, keyId, 'pending key');
    const spki = Buffer.from(pending.publicKeySpki, 'base64');
    const { chain, leaf } = await this.checkChainForKey(certs, spki, `key ${pending.id}`);
    const name = label ?? commonName(leaf.subject);
    await this.stores.publishCertificate(pending.key, chain[0]!, name);
    return this.registry.update((draft) => {
      draft.pendingKeys = draft.pendingKeys.filter((p) => p.id !== pending.id);
      return pushIdentity(draft.identities, pending.key, chain, name, 'keygen');
    });
  }

  /** Deletes the key (and an ACME account key) from its store, then the identity from the registry. */
  async remove(query: string): Promise<void> {
    const record = await this.get(query);
    const store = await this.stores.store(record.key);
    await store.delete(record.key);
    // An ACME identity has its own account key beside its key (src/core/enroll/acme): it goes too.
    const account = record.renewal?.provider.kind === 'acme' ? record.renewal.provider.accountKey : undefined;
    if (account) await (await this.stores.store(account)).delete(account);
    await this.registry.update((draft) => {
      draft.identities = draft.identities.filter((i) => i.id !== record.id);
    });
  }

  private async checkChainForKey(certs: Buffer[], spki: Buffer, keyName: string) {
    const chain = chainForKey(certs, spki)?.chain;
    if (!chain) {
      throw new KeyportError(
        'KEYPORT_KEY_MISMATCH',
        `The certificate does not belong to ${keyName}: its public key is a different one; check that you picked the matching files.`,
      );
    }
    const leaf = parseCertificate(chain[0]!, 'the certificate');
    const { identities } = await this.registry.read();
    const existing = identities.find((i) => i.chain[0] === chain[0]!.toString('base64'));
    if (existing) {
      throw new KeyportError(
        'KEYPORT_ALREADY_EXISTS',
        `This identity is already in Keyport as ${existing.id} ("${existing.label}"); nothing was added.`,
      );
    }
    return { chain, leaf };
  }

  private async rollbackOnError<T>(store: KeyStore, ref: KeyRef, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      await store.delete(ref).catch(() => undefined);
      throw e;
    }
  }
}

function pushIdentity(list: IdentityRecord[], key: KeyRef, chain: Buffer[], label: string, source: string): string {
  const now = new Date().toISOString();
  const id = newId('');
  list.push({ id, label, source, chain: chain.map((c) => c.toString('base64')), key, createdAt: now, updatedAt: now, history: [] });
  return id;
}

function tokenOf(to: KeyDestination | KeyRef): { token?: string } {
  return to.kind === 'pkcs11' ? { token: to.token } : {};
}

function newId(prefix: string): string {
  return `${prefix}${randomBytes(6).toString('hex')}`;
}

/** The CN of a DN string, else the whole DN: a readable default label. */
export function commonName(dn: string): string {
  return /(?:^|,\s*)CN=([^,]+)/i.exec(dn)?.[1]?.trim() ?? dn;
}
