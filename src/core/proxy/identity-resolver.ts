import type { Keyport } from '../app';
import { chooseIdentity, identityCandidate, type IdentityCandidate } from '../identities/select';
import type { Signer } from '../keystores/types';
import { withoutRoot } from '../pki/chain';
import { parseCertificate } from '../pki/certificate';
import type { ConnectOptions } from '../tls';
import { inSetting } from './config-errors';

/** What the proxy needs of Keyport: identity records and their signers. */
export type IdentitySource = Pick<Keyport, 'record' | 'records' | 'signerFor'>;

/** Fails unless `query` names an identity (`auto` always does); the error starts with `what` ("route web"). */
export async function requireIdentity(source: Pick<IdentitySource, 'record'>, query: string, what: string): Promise<void> {
  if (query === 'auto') return;
  try {
    await source.record(query);
  } catch (e) {
    throw inSetting(what, e);
  }
}

/** An identity ready to sign, with what the audit log names it by. */
export interface ResolvedIdentity {
  id: string;
  label: string;
  serial: string;
  signer: Signer;
  /** Leaf first, without the root. */
  chain: Buffer[];
}

/** Which identity a connection used, filled in once known (for `auto`, when the server asked). */
export interface UsedIdentity {
  id?: string;
  serial?: string;
}

/**
 * Resolves route identities (id, label or `auto`) to signers once and reuses them for every
 * connection, until invalidate() (the registry changed): then new connections load the current
 * certificate while open ones keep theirs. A failed load is not kept, so a later PIN or fix applies.
 */
export class IdentityResolver {
  private readonly cache = new Map<string, Promise<ResolvedIdentity>>();
  private candidates?: Promise<IdentityCandidate[]>;
  /**
   * Which identity each leaf `auto` presented belongs to (base64 DER -> id, serial), for the
   * sessions that resume its tickets and send no certificate. A leaf's id and serial never change,
   * so this outlives invalidate(); it grows by one entry per certificate presented.
   */
  private readonly selected = new Map<string, Required<UsedIdentity>>();

  constructor(private readonly source: IdentitySource) {}

  /** Drops everything resolved: the next connection reads the registry again. */
  invalidate(): void {
    this.cache.clear();
    this.candidates = undefined;
  }

  /** connect() options authenticating as `query`; `used` learns which identity that was. */
  async clientAuth(query: string, used: UsedIdentity): Promise<Pick<ConnectOptions, 'signer' | 'chain' | 'selectIdentity'>> {
    if (query !== 'auto') {
      const r = await this.resolve(query);
      Object.assign(used, { id: r.id, serial: r.serial });
      return { signer: r.signer, chain: r.chain };
    }
    const candidates = await this.autoCandidates();
    return {
      selectIdentity: async (request) => {
        const chosen = chooseIdentity(request, candidates);
        const r = await this.resolve(chosen.id);
        Object.assign(used, { id: r.id, serial: r.serial });
        this.selected.set(r.chain[0]!.toString('base64'), { id: r.id, serial: r.serial });
        return { signer: r.signer, chain: r.chain, label: r.label };
      },
    };
  }

  /** The identity `auto` chose when it presented `leaf` (a resumed session's, from its ticket). */
  selectedBy(leaf: Buffer): UsedIdentity | undefined {
    return this.selected.get(leaf.toString('base64'));
  }

  /** The identity `query` names, loaded once. */
  resolve(query: string): Promise<ResolvedIdentity> {
    let pending = this.cache.get(query);
    if (!pending) {
      pending = this.load(query);
      this.cache.set(query, pending);
      pending.catch(() => {
        if (this.cache.get(query) === pending) this.cache.delete(query);
      });
    }
    return pending;
  }

  private async load(query: string): Promise<ResolvedIdentity> {
    const record = await this.source.record(query);
    const { signer, chain } = await this.source.signerFor(record.id);
    return { id: record.id, label: record.label, serial: parseCertificate(chain[0]!).serial, signer, chain: withoutRoot(chain) };
  }

  private autoCandidates(): Promise<IdentityCandidate[]> {
    if (!this.candidates) {
      const pending = this.source.records().then((records) => records.map(identityCandidate));
      pending.catch(() => {
        if (this.candidates === pending) this.candidates = undefined;
      });
      this.candidates = pending;
    }
    return this.candidates;
  }
}
