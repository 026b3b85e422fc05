import { randomBytes } from 'node:crypto';
import { KeyportError } from '../../../shared/errors';
import { findByIdOrLabel } from '../../identities/lookup';
import type { Registry } from '../../identities/registry';
import type { IdentityRecord, RegistryFile } from '../../identities/schema';
import { commonName, type KeyDestination, type StoreResolver } from '../../identities/service';
import type { KeyAlgorithm, KeyRef } from '../../keystores/types';
import { parseCertificate } from '../../pki/certificate';
import { chainForKey } from '../../pki/chain';
import { decodePem } from '../../pki/pem';
import { crashPoint } from '../crash-point';
import { KeyJournal, sameKey } from '../journal';
import type { CurrentIdentity, ProviderContext } from '../provider';
import type { RenewResult } from '../renewal';
import { RenewalSettingsSchema, type ProviderSettings } from '../settings';
import type { TrustBundles } from '../trust-bundles';
import type { ExternalAccount } from './account';
import type { ChallengeType, DnsRecord } from './authorization';
import { AcmeProvider } from './provider';

/** A first ACME enrollment as the CLI asks for it. */
export interface AcmeEnrollment {
  directory: string;
  /** Trust anchors (PEM) for the ACME server's HTTPS, when it is not publicly trusted. */
  caPem?: string;
  domains: string[];
  to: KeyDestination;
  algorithm: KeyAlgorithm;
  label?: string;
  eab?: ExternalAccount;
  challenge: ChallengeType;
  httpPort: number;
  awaitDnsRecord?: (record: DnsRecord) => Promise<void>;
}

/**
 * ACME enrollment and renewal, keeping the registry and the key stores in step: keys are made through
 * the key-operation journal (../journal.ts), so every key of an operation that fails or is killed
 * (identity key and account key) is deleted again, and nothing is recorded. The renewal service
 * delegates `keyport renew` and the scheduler's renewals of ACME identities here.
 */
export class AcmeService {
  constructor(
    private readonly registry: Registry,
    private readonly stores: StoreResolver,
    private readonly journal: KeyJournal,
    private readonly bundles: TrustBundles,
  ) {}

  /** Enrolls `domains` into a new identity; returns its id. */
  async enroll(r: AcmeEnrollment): Promise<string> {
    const caRoots = r.caPem ? certsOf(r.caPem) : [];
    const provider = new AcmeProvider(
      { directory: r.directory, domains: r.domains, challenge: r.challenge, httpPort: r.httpPort },
      { signerFor: (ref) => this.signerFor(ref), eab: r.eab, awaitDnsRecord: r.awaitDnsRecord },
    );
    await provider.preflight({ caRoots });
    const op = await this.journal.begin('enroll', r.to);
    try {
      const ctx: ProviderContext = { caRoots, makeKey: (alg, label) => this.journal.makeKey(op, alg, label) };
      const { chain, key } = await provider.enroll({ algorithm: r.algorithm, ...(r.label ? { label: r.label } : {}) }, ctx);
      crashPoint('after-ca');
      const ordered = checkChain(chain, key.publicKeySpki);
      const label = r.label ?? commonName(parseCertificate(ordered[0]!).subject);
      const bundle = caRoots.length > 0 ? this.bundles.nameFor('acme', r.directory) : undefined;
      if (bundle) await this.bundles.write(bundle, caRoots);
      const settings = { ...provider.settings(), ...(bundle ? { bundle } : {}) };
      await this.stores.publishCertificate(key.ref, ordered[0]!, label);
      return await this.registry.update((draft) => {
        const existing = draft.identities.find((i) => i.chain[0] === ordered[0]!.toString('base64'));
        if (existing) throw new KeyportError('KEYPORT_ALREADY_EXISTS', `This certificate is already in Keyport as ${existing.id}; nothing was added.`);
        const record = newRecord(key.ref, ordered, label, settings);
        draft.identities.push(record);
        endOperation(draft, op.id);
        return record.id;
      }, () => crashPoint('mid-write'));
    } catch (e) {
      await this.journal.abort(op.id).catch(() => undefined);
      throw e;
    }
  }

  /**
   * Renews an ACME identity with a new order for the same names through its stored account, keeping
   * the key (or, with `rekey`, a new key in the same store). The id stays the same. Unlike an mTLS
   * renewal this works for an expired certificate too: the account, not the certificate, is proof.
   */
  async renew(query: string, o: { rekey?: boolean; awaitDnsRecord?: (record: DnsRecord) => Promise<void> } = {}): Promise<RenewResult> {
    const record = findByIdOrLabel((await this.registry.read()).identities, query, 'identity');
    const settings = record.renewal?.provider;
    if (settings?.kind !== 'acme' || !settings.accountKey) {
      throw new KeyportError('KEYPORT_RENEWAL_NOT_CONFIGURED', `Identity ${record.id} was not enrolled with ACME: renew it with the provider it came from.`);
    }
    const caRoots = settings.bundle ? await this.bundles.read(settings.bundle) : [];
    const provider = AcmeProvider.fromSettings(settings, { signerFor: (ref) => this.signerFor(ref), awaitDnsRecord: o.awaitDnsRecord });
    const chain = record.chain.map((c) => Buffer.from(c, 'base64'));
    const current: CurrentIdentity = { id: record.id, signer: await this.signerFor(record.key), chain };
    const previousSerial = parseCertificate(chain[0]!).serial;
    return o.rekey
      ? this.rekeyWith(provider, record, current, caRoots, previousSerial)
      : this.renewWith(provider, record, current, caRoots, previousSerial);
  }

  private async renewWith(provider: AcmeProvider, record: IdentityRecord, current: CurrentIdentity, caRoots: Buffer[], previousSerial: string): Promise<RenewResult> {
    const issued = await provider.renew(current, { caRoots, makeKey: noKeys });
    const ordered = checkChain(issued.chain, current.signer.publicKeySpki);
    await this.stores.publishCertificate(record.key, ordered[0]!, record.label);
    await this.registry.update((draft) => swapCertificate(draft, record.id, ordered, record.key, provider.settings()), () => crashPoint('mid-write'));
    return result(record.id, ordered, previousSerial, false);
  }

  /** A new key in the same store, journaled; the old key is deleted only after the commit. */
  private async rekeyWith(provider: AcmeProvider, record: IdentityRecord, current: CurrentIdentity, caRoots: Buffer[], previousSerial: string): Promise<RenewResult> {
    const op = await this.journal.begin('rekey', destinationOf(record.key), record.id);
    let next: KeyRef | undefined;
    try {
      const ctx: ProviderContext = { caRoots, makeKey: (alg, label) => this.journal.makeKey(op, alg, label) };
      const key = await ctx.makeKey(current.signer.algorithm as KeyAlgorithm, record.label);
      next = key.ref;
      const issued = await provider.rekey(current, key, ctx);
      crashPoint('after-ca');
      const ordered = checkChain(issued.chain, key.publicKeySpki);
      await this.stores.publishCertificate(key.ref, ordered[0]!, record.label);
      crashPoint('before-commit');
      await this.registry.update((draft) => swapCertificate(draft, record.id, ordered, key.ref, provider.settings(), op.id), () => crashPoint('mid-write'));
      crashPoint('before-retire');
      await (await this.stores.store(record.key)).delete(record.key);
      await this.journal.end(op.id);
      return result(record.id, ordered, previousSerial, true);
    } catch (e) {
      const committed = next && sameKey(findByIdOrLabel((await this.registry.read()).identities, record.id, 'identity').key, next);
      if (!committed) await this.journal.abort(op.id).catch(() => undefined);
      throw e;
    }
  }

  private async signerFor(ref: KeyRef) {
    return (await this.stores.store(ref)).signer(ref);
  }
}

/** The chain in order, leaf first, refused when the CA issued it for another key. */
function checkChain(chain: Buffer[], spki: Buffer): Buffer[] {
  const ordered = chainForKey(chain, spki)?.chain;
  if (!ordered) throw new KeyportError('KEYPORT_KEY_MISMATCH', 'The ACME server issued a certificate for a different key than the CSR’s; nothing was stored.');
  return ordered;
}

function certsOf(pem: string): Buffer[] {
  const certs = decodePem(pem).filter((b) => b.label === 'CERTIFICATE').map((b) => b.der);
  if (certs.length === 0) throw new KeyportError('KEYPORT_PEM_INVALID', 'The --ca file holds no PEM certificate: give the PEM root that issued the ACME server’s TLS certificate.');
  return certs;
}

const noKeys: ProviderContext['makeKey'] = async () => {
  throw new KeyportError('KEYPORT_INTERNAL', 'An ACME renewal that keeps its key makes no key.');
};

function endOperation(draft: RegistryFile, opId: string): void {
  draft.operations = draft.operations.filter((o) => o.id !== opId);
}

function result(id: string, chain: Buffer[], previousSerial: string, rekeyed: boolean): RenewResult {
  const leaf = parseCertificate(chain[0]!);
  return { id, serial: leaf.serial, previousSerial, notAfter: leaf.notAfter.toISOString(), rekeyed };
}

function destinationOf(ref: KeyRef): KeyDestination {
  return ref.kind === 'pkcs11' ? { kind: 'pkcs11', token: ref.token } : { kind: 'keychain' };
}

function newRecord(key: KeyRef, chain: Buffer[], label: string, provider: ProviderSettings): IdentityRecord {
  const now = new Date().toISOString();
  return {
    id: randomBytes(6).toString('hex'),
    label,
    source: 'acme',
    chain: chain.map((c) => c.toString('base64')),
    key,
    createdAt: now,
    updatedAt: now,
    renewal: RenewalSettingsSchema.parse({ provider }),
    history: [],
  };
}

/**
 * Puts the new chain (and key) in place and keeps the old certificate in the identity's history, in
 * one registry write with the provider's settings as they are now (a re-registered account's URL);
 * for a rekey (`rekeyOp`) the same write tells the journal which key to retire.
 */
function swapCertificate(draft: RegistryFile, id: string, chain: Buffer[], key: KeyRef, provider: ProviderSettings, rekeyOp?: string): void {
  const record = draft.identities.find((i) => i.id === id);
  if (!record) throw new KeyportError('KEYPORT_NOT_FOUND', `Identity ${id} was removed while it was being renewed; nothing was changed.`);
  const old = parseCertificate(Buffer.from(record.chain[0]!, 'base64'));
  const now = new Date().toISOString();
  const reason = rekeyOp ? 'rekey' : 'renew';
  record.history.push({ chain: record.chain, serial: old.serial, notAfter: old.notAfter.toISOString(), retiredAt: now, reason, ...(rekeyOp ? { key: record.key } : {}) });
  if (rekeyOp) KeyJournal.markRetire(draft, rekeyOp, record.key);
  record.chain = chain.map((c) => c.toString('base64'));
  record.key = key;
  record.updatedAt = now;
  if (record.renewal) {
    record.renewal.provider = provider;
    record.renewal.state = { failures: 0, needsReenroll: false, lastAttemptAt: now, lastSuccessAt: now };
  }
}
