import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { KeyportError } from '../../../shared/errors';
import { writeFileAtomic } from '../../identities/atomic-file';
import { findByIdOrLabel } from '../../identities/lookup';
import type { Registry } from '../../identities/registry';
import type { IdentityRecord } from '../../identities/schema';
import { commonName, type KeyDestination, type StoreResolver } from '../../identities/service';
import type { KeyAlgorithm, KeyRef } from '../../keystores/types';
import { parseCertificate } from '../../pki/certificate';
import { chainForKey } from '../../pki/chain';
import { decodePem, encodePem } from '../../pki/pem';
import { RenewalSettingsSchema, type ProviderSettings } from '../settings';
import type { ExternalAccount } from './account';
import type { ChallengeType, DnsRecord } from './authorization';
import { trackingContext } from './context';
import { AcmeProvider, type AcmeParams } from './provider';

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

/** What a renewal did (the shape `keyport renew --json` prints). */
export interface AcmeRenewal {
  id: string;
  serial: string;
  previousSerial: string;
  notAfter: string;
  rekeyed: boolean;
}

/**
 * ACME enrollment and renewal, keeping the registry and the key stores in step: every key made for
 * an operation that fails (identity key and account key) is deleted again, and nothing is recorded.
 */
export class AcmeService {
  constructor(
    private readonly registry: Registry,
    private readonly stores: StoreResolver,
  ) {}

  /** Enrolls `domains` into a new identity; returns its id. */
  async enroll(r: AcmeEnrollment): Promise<string> {
    const caRoots = r.caPem ? certsOf(r.caPem) : [];
    const provider = new AcmeProvider(
      { directory: r.directory, domains: r.domains, challenge: r.challenge, httpPort: r.httpPort },
      { signerFor: (ref) => this.signerFor(ref), eab: r.eab, awaitDnsRecord: r.awaitDnsRecord },
    );
    const ctx = trackingContext(this.stores, r.to, caRoots);
    try {
      const { chain, key } = await provider.enroll({ algorithm: r.algorithm, label: r.label }, ctx);
      const ordered = checkChain(chain, key.publicKeySpki);
      const label = r.label ?? commonName(parseCertificate(ordered[0]!).subject);
      const bundle = r.caPem ? await this.saveBundle(r.directory, r.caPem) : undefined;
      const settings = { ...provider.settings(), ...(bundle ? { bundle } : {}) };
      await this.stores.publishCertificate(key.ref, ordered[0]!, label);
      return await this.registry.update((draft) => {
        const existing = draft.identities.find((i) => i.chain[0] === ordered[0]!.toString('base64'));
        if (existing) throw new KeyportError('KEYPORT_ALREADY_EXISTS', `This certificate is already in Keyport as ${existing.id}; nothing was added.`);
        const record = newRecord(key.ref, ordered, label, settings);
        draft.identities.push(record);
        return record.id;
      });
    } catch (e) {
      await ctx.discard();
      throw e;
    }
  }

  /**
   * Renews an ACME identity with a new order for the same names through its stored account, keeping
   * the key (or, with `rekey`, a new key in the same store). The id stays the same.
   */
  async renew(query: string, o: { rekey?: boolean; awaitDnsRecord?: (record: DnsRecord) => Promise<void> } = {}): Promise<AcmeRenewal> {
    const { identities } = await this.registry.read();
    const record = findByIdOrLabel(identities, query, 'identity');
    const settings = record.renewal?.provider;
    if (settings?.kind !== 'acme' || !settings.accountKey) {
      throw new KeyportError('KEYPORT_INVALID_ARGUMENT', `Identity ${record.id} was not enrolled with ACME: renew it with the provider it came from.`);
    }
    const caRoots = settings.bundle ? certsOf(await fs.readFile(path.join(this.registry.dataDir, settings.bundle), 'utf8')) : [];
    const provider = new AcmeProvider(paramsOf(settings), { signerFor: (ref) => this.signerFor(ref), awaitDnsRecord: o.awaitDnsRecord });
    const chain = record.chain.map((c) => Buffer.from(c, 'base64'));
    const current = { id: record.id, signer: await this.signerFor(record.key), chain };
    const ctx = trackingContext(this.stores, destinationOf(record.key), caRoots);
    try {
      const next = o.rekey ? await ctx.makeKey(current.signer.algorithm as KeyAlgorithm, record.label) : undefined;
      const issued = next ? await provider.rekey(current, next, ctx) : await provider.renew(current, ctx);
      const ordered = checkChain(issued.chain, next?.publicKeySpki ?? current.signer.publicKeySpki);
      const newKey = next?.ref ?? record.key;
      await this.stores.publishCertificate(newKey, ordered[0]!, record.label);
      // LEAD: this swap is the ACME helper's stand-in; use the renewal service's checked, journaled swap when it lands.
      await this.registry.update((draft) => swapCertificate(draft.identities, record.id, ordered, newKey, o.rekey === true));
      if (next) await (await this.stores.store(record.key)).delete(record.key).catch(() => undefined);
      const leaf = parseCertificate(ordered[0]!);
      return { id: record.id, serial: leaf.serial, previousSerial: parseCertificate(chain[0]!).serial, notAfter: leaf.notAfter.toISOString(), rekeyed: next !== undefined };
    } catch (e) {
      await ctx.discard();
      throw e;
    }
  }

  private async signerFor(ref: KeyRef) {
    return (await this.stores.store(ref)).signer(ref);
  }

  /** The trust bundle for the ACME server's HTTPS, kept in the data dir (public certificates only). */
  private async saveBundle(directory: string, caPem: string): Promise<string> {
    const name = path.join('trust', `acme-${createHash('sha256').update(directory).digest('hex').slice(0, 16)}.pem`);
    await fs.mkdir(path.join(this.registry.dataDir, 'trust'), { recursive: true, mode: 0o700 });
    await writeFileAtomic(path.join(this.registry.dataDir, name), certsOf(caPem).map((der) => encodePem('CERTIFICATE', der)).join(''));
    return name;
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

function paramsOf(s: Extract<ProviderSettings, { kind: 'acme' }>): AcmeParams {
  return { directory: s.directory, domains: s.domains, challenge: s.challenge, httpPort: s.httpPort, accountKey: s.accountKey, accountUrl: s.accountUrl, bundle: s.bundle };
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

/** Puts the new chain (and key) in place and keeps the old certificate in the identity's history. */
function swapCertificate(list: IdentityRecord[], id: string, chain: Buffer[], key: KeyRef, rekeyed: boolean): void {
  const record = list.find((i) => i.id === id);
  if (!record) throw new KeyportError('KEYPORT_NOT_FOUND', `Identity ${id} was removed while it was being renewed; nothing was changed.`);
  const old = parseCertificate(Buffer.from(record.chain[0]!, 'base64'));
  const now = new Date().toISOString();
  record.history.push({ chain: record.chain, serial: old.serial, notAfter: old.notAfter.toISOString(), retiredAt: now, reason: rekeyed ? 'rekey' : 'renew', ...(rekeyed ? { key: record.key } : {}) });
  record.chain = chain.map((c) => c.toString('base64'));
  record.key = key;
  record.updatedAt = now;
  if (record.renewal) record.renewal.state = { ...record.renewal.state, lastSuccessAt: now, failures: 0 };
}
