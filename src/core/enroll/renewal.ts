import { randomBytes } from 'node:crypto';
import { KeyportError } from '../../shared/errors';
import { findByIdOrLabel } from '../identities/lookup';
import type { Registry } from '../identities/registry';
import type { IdentityRecord } from '../identities/schema';
import { commonName, type KeyDestination, type StoreResolver } from '../identities/service';
import type { KeyAlgorithm, KeyRef } from '../keystores/types';
import { parseCertificate } from '../pki/certificate';
import { readCertificates } from '../pki/pem';
import { checkIssued } from './check-issued';
import { chainsTo, refreshRoots, type RootsReport } from './roots';
import { wallClock, type Clock } from './clock';
import { crashPoint } from './crash-point';
import { KeyJournal, sameKey } from './journal';
import type { CurrentIdentity, EnrollmentProvider, Issued, NewKey, ProviderContext } from './provider';
import { RenewalSettingsSchema, type ProviderSettings, type RenewalSettings, type RenewalState } from './settings';
import { StepCaProvider } from './step-ca/provider';
import { subjectOfToken } from './step-ca/token';
import { TrustBundles } from './trust-bundles';

/** What `keyport renew --json` prints. The id never changes. */
export interface RenewResult {
  id: string;
  serial: string;
  previousSerial: string;
  notAfter: string;
  rekeyed: boolean;
}

/** A first step-ca enrollment as the CLI asks for it. */
export interface StepCaEnrollment {
  caUrl: string;
  /** The root (PEM or DER) the CA's HTTPS certificate chains to, from `--root`. */
  root: Buffer;
  token: string;
  to: KeyDestination;
  algorithm: KeyAlgorithm;
  label?: string;
}

/** Renews identities whose provider is not handled here (ACME renews through its own service). */
export type RenewDelegate = (id: string, rekey: boolean) => Promise<RenewResult>;

/**
 * Enrollment and renewal, never half-done: what a CA issues is checked (key matches, chain validates
 * to the CA's roots) before the registry changes, the old certificate goes to the identity's history
 * in the same atomic write that puts in the new one, and a rekey's new key is journaled (./journal.ts)
 * so a crash at any step leaves one usable identity and no orphan key.
 */
export class RenewalService {
  readonly bundles: TrustBundles;
  readonly journal: KeyJournal;
  private readonly delegates: Partial<Record<ProviderSettings['kind'], RenewDelegate>> = {};

  constructor(
    private readonly registry: Registry,
    private readonly stores: StoreResolver,
    readonly clock: Clock = wallClock(),
  ) {
    this.bundles = new TrustBundles(registry.dataDir);
    this.journal = new KeyJournal(registry, stores);
  }

  /** Lets another service renew identities of its provider kind (the ACME service). */
  delegate(kind: ProviderSettings['kind'], renew: RenewDelegate): void {
    this.delegates[kind] = renew;
  }

  /** The provider that renews an identity with these settings. */
  providerFor(settings: ProviderSettings): EnrollmentProvider {
    if (settings.kind === 'step-ca') return new StepCaProvider({ caUrl: settings.caUrl, bundle: settings.bundle });
    throw new KeyportError('KEYPORT_RENEWAL_NOT_CONFIGURED', `Keyport cannot renew ${settings.kind} identities itself; ${settings.kind === 'manual' ? 'renew it by hand: keyport export ID --csr, then keyport attach.' : 'use its own command.'}`);
  }

  /** Makes the key in `to`, gets it certified with the one-time token, records the identity. */
  async enrollStepCa(e: StepCaEnrollment): Promise<string> {
    const bootstrap = readCertificates(e.root, 'the --root file');
    subjectOfToken(e.token);
    const provider = new StepCaProvider({ caUrl: e.caUrl, bundle: this.bundles.nameFor('step-ca', e.caUrl), token: e.token });
    const fetched = await provider.roots({ caRoots: bootstrap, makeKey: noKeys });
    const op = await this.journal.begin('enroll', e.to);
    try {
      const ctx = this.context(fetched.roots, (alg, label) => this.journal.makeKey(op, alg, label));
      const issued = await provider.enroll({ algorithm: e.algorithm, ...(e.label ? { label: e.label } : {}) }, ctx);
      crashPoint('after-ca');
      const chain = await checkIssued(issued.chain, issued.key.publicKeySpki, fetched.roots);
      const label = e.label ?? commonName(parseCertificate(chain[0]!).subject);
      await this.stores.publishCertificate(issued.key.ref, chain[0]!, label);
      const settings = RenewalSettingsSchema.parse({ provider: provider.settings() });
      await this.bundles.write(this.bundles.nameFor('step-ca', e.caUrl), fetched.roots);
      const id = await this.registry.update((d) => {
        const now = this.clock().toISOString();
        const record = { id: randomBytes(6).toString('hex'), label, source: 'step-ca', chain: chain.map(b64), key: issued.key.ref, createdAt: now, updatedAt: now, renewal: settings, history: [] };
        d.identities.push(record);
        d.operations = d.operations.filter((o) => o.id !== op.id);
        return record.id;
      }, () => crashPoint('mid-write'));
      return id;
    } catch (err) {
      await this.journal.abort(op.id).catch(() => undefined);
      throw err;
    }
  }

  /** `renewal set`: the identity will be renewed from this step-ca (its bundle is fetched now). */
  async configureStepCa(query: string, o: { caUrl: string; root: Buffer; at?: number; rekey?: boolean; notifyBefore?: number[] }): Promise<RenewalSettings> {
    const record = await this.record(query);
    const bundle = this.bundles.nameFor('step-ca', o.caUrl);
    const provider = new StepCaProvider({ caUrl: o.caUrl, bundle });
    const fetched = await provider.roots({ caRoots: readCertificates(o.root, 'the --root file'), makeKey: noKeys });
    if (!(await chainsTo(record, fetched.roots))) {
      throw new KeyportError('KEYPORT_ENROLL_CHAIN_INVALID', `Identity ${record.id} was not issued under the roots of ${o.caUrl}, so that CA cannot renew it; check --step-ca, or enroll a new identity there.`);
    }
    await this.bundles.write(bundle, fetched.roots);
    const settings = RenewalSettingsSchema.parse({
      provider: provider.settings(),
      ...(o.at !== undefined ? { at: o.at } : {}),
      ...(o.rekey ? { rekey: true } : {}),
      ...(o.notifyBefore ? { notifyBefore: o.notifyBefore } : {}),
    });
    await this.registry.update((d) => {
      const r = d.identities.find((i) => i.id === record.id);
      if (r) r.renewal = settings;
    });
    return settings;
  }

  /** `renewal set --manual`: no CA; the scheduler only reminds (at `notifyBefore` seconds and at expiry). */
  async configureManual(query: string, notifyBefore?: number[]): Promise<RenewalSettings> {
    const record = await this.record(query);
    const settings = RenewalSettingsSchema.parse({ provider: { kind: 'manual' }, ...(notifyBefore ? { notifyBefore } : {}) });
    await this.registry.update((d) => {
      const r = d.identities.find((i) => i.id === record.id);
      if (r) r.renewal = settings;
    });
    return settings;
  }

  /** Renews (or with `rekey`, rekeys) an identity now; the id stays the same. */
  async renew(query: string, o: { rekey?: boolean } = {}): Promise<RenewResult> {
    const record = await this.record(query);
    const settings = record.renewal;
    if (!settings) {
      throw new KeyportError('KEYPORT_RENEWAL_NOT_CONFIGURED', `Identity ${record.id} has no renewal settings; set them with keyport renewal set ${record.id} --step-ca URL --root FILE.`);
    }
    const rekey = o.rekey ?? settings.rekey;
    const delegate = this.delegates[settings.provider.kind];
    if (delegate) return delegate(record.id, rekey);
    const leaf = parseCertificate(Buffer.from(record.chain[0]!, 'base64'));
    if (leaf.notAfter.getTime() <= this.clock().getTime()) {
      await this.setState(record.id, { needsReenroll: true });
      throw new KeyportError('KEYPORT_RENEW_EXPIRED', `Cannot renew ${record.id} ("${record.label}"): its certificate expired at ${leaf.notAfter.toISOString()} and a CA renews only a valid certificate; enroll again with keyport enroll step-ca and a new token.`);
    }
    const provider = this.providerFor(settings.provider);
    const bundleName = 'bundle' in settings.provider && settings.provider.bundle ? settings.provider.bundle : '';
    const roots = await this.bundles.read(bundleName);
    const refresh = async (): Promise<Buffer[]> => {
      const fresh = await provider.roots(this.context(roots));
      await this.bundles.write(bundleName, fresh.roots);
      return fresh.roots;
    };
    const store = await this.stores.store(record.key);
    const current: CurrentIdentity = { id: record.id, signer: await store.signer(record.key), chain: record.chain.map((c) => Buffer.from(c, 'base64')) };
    return rekey
      ? this.rekeyWith(provider, record, current, roots, refresh, leaf.serial)
      : this.renewWith(provider, record, current, roots, refresh, leaf.serial);
  }

  /** Refreshes every CA's trust bundle (root rotation); see ./roots.ts. */
  async refreshRoots(): Promise<RootsReport[]> {
    return refreshRoots((await this.registry.read()).identities, this.bundles, (s) => this.providerFor(s));
  }

  /** Records what the scheduler learned about an identity (attempts, backoff, needs re-enroll). */
  async setState(id: string, patch: Partial<RenewalState>): Promise<void> {
    await this.registry.update((d) => {
      const r = d.identities.find((i) => i.id === id);
      if (r?.renewal) r.renewal.state = { ...r.renewal.state, ...patch };
    });
  }

  private async renewWith(p: EnrollmentProvider, record: IdentityRecord, current: CurrentIdentity, roots: Buffer[], refresh: () => Promise<Buffer[]>, previousSerial: string): Promise<RenewResult> {
    const issued = await p.renew(current, this.context(roots));
    crashPoint('after-ca');
    const spki = parseCertificate(current.chain[0]!).publicKeySpki;
    const chain = await checkIssued(issued.chain, spki, roots, refresh);
    await this.stores.publishCertificate(record.key, chain[0]!, record.label, true);
    crashPoint('before-commit');
    await this.commit(record, chain, 'renew');
    return result(record.id, chain, previousSerial, false);
  }

  private async rekeyWith(p: EnrollmentProvider, record: IdentityRecord, current: CurrentIdentity, roots: Buffer[], refresh: () => Promise<Buffer[]>, previousSerial: string): Promise<RenewResult> {
    const op = await this.journal.begin('rekey', destinationOf(record.key), record.id);
    let next: NewKey | undefined;
    try {
      const algorithm = parseCertificate(current.chain[0]!).keyAlgorithm as KeyAlgorithm;
      const ctx = this.context(roots, (alg, label) => this.journal.makeKey(op, alg, label));
      next = await ctx.makeKey(algorithm, record.label);
      const issued: Issued = await p.rekey(current, next, ctx);
      crashPoint('after-ca');
      const chain = await checkIssued(issued.chain, next.publicKeySpki, roots, refresh);
      await this.stores.publishCertificate(next.ref, chain[0]!, record.label);
      crashPoint('before-commit');
      await this.commit(record, chain, 'rekey', { key: next.ref, opId: op.id });
      crashPoint('before-retire');
      await (await this.stores.store(record.key)).delete(record.key);
      await this.journal.end(op.id);
      return result(record.id, chain, previousSerial, true);
    } catch (err) {
      const committed = next && sameKey((await this.record(record.id)).key, next.ref);
      if (!committed) await this.journal.abort(op.id).catch(() => undefined);
      throw err;
    }
  }

  /** One atomic registry write: the new chain (and key) in, the old chain into history, state reset. */
  private async commit(record: IdentityRecord, chain: Buffer[], reason: 'renew' | 'rekey', rekey?: { key: KeyRef; opId: string }): Promise<void> {
    await this.registry.update((d) => {
      const r = d.identities.find((i) => i.id === record.id);
      if (!r) throw new KeyportError('KEYPORT_NOT_FOUND', `Identity ${record.id} was removed during the renewal; nothing was changed.`);
      const old = parseCertificate(Buffer.from(r.chain[0]!, 'base64'));
      const now = this.clock().toISOString();
      r.history.push({ chain: r.chain, serial: old.serial, notAfter: old.notAfter.toISOString(), retiredAt: now, reason, ...(rekey ? { key: r.key } : {}) });
      if (rekey) {
        KeyJournal.markRetire(d, rekey.opId, r.key);
        r.key = rekey.key;
      }
      r.chain = chain.map(b64);
      r.updatedAt = now;
      if (r.renewal) r.renewal.state = { failures: 0, needsReenroll: false, lastAttemptAt: now, lastSuccessAt: now };
    }, () => crashPoint('mid-write'));
  }

  private context(caRoots: Buffer[], makeKey: ProviderContext['makeKey'] = noKeys): ProviderContext {
    return { caRoots, makeKey };
  }

  private async record(query: string): Promise<IdentityRecord> {
    return findByIdOrLabel((await this.registry.read()).identities, query, 'identity');
  }
}

const noKeys: ProviderContext['makeKey'] = async () => {
  throw new KeyportError('KEYPORT_INTERNAL', 'This step makes no key.');
};

function result(id: string, chain: Buffer[], previousSerial: string, rekeyed: boolean): RenewResult {
  const leaf = parseCertificate(chain[0]!);
  return { id, serial: leaf.serial, previousSerial, notAfter: leaf.notAfter.toISOString(), rekeyed };
}

function destinationOf(ref: KeyRef): KeyDestination {
  return ref.kind === 'pkcs11' ? { kind: 'pkcs11', token: ref.token } : { kind: 'keychain' };
}

function b64(der: Buffer): string {
  return der.toString('base64');
}
