import { randomBytes } from 'node:crypto';
import type { Registry } from '../identities/registry';
import type { KeyOperation, RegistryFile } from '../identities/schema';
import type { KeyDestination, StoreResolver } from '../identities/service';
import type { KeyAlgorithm, KeyRef } from '../keystores/types';
import { newKeychainKeyId } from '../keystores/keychain';
import { createCsr } from '../pki/csr';
import { crashPoint } from './crash-point';
import type { NewKey } from './provider';

/**
 * The journal of key operations (enroll, rekey) in the registry. An operation is recorded before any
 * key is made, each key's label before it is generated and its reference right after; `recover()`
 * (run on every start) finishes a committed operation (retires the old key) or undoes one that never
 * committed (deletes its new keys, also those a crash left unrecorded on a token, found by label).
 */
export class KeyJournal {
  constructor(
    private readonly registry: Registry,
    private readonly stores: StoreResolver,
  ) {}

  /** Records a new operation. */
  async begin(kind: KeyOperation['kind'], store: KeyDestination, identityId?: string): Promise<KeyOperation> {
    const op: KeyOperation = {
      id: `op${randomBytes(6).toString('hex')}`,
      kind,
      ...(identityId ? { identityId } : {}),
      store: store.kind === 'pkcs11' ? { kind: 'pkcs11', token: store.token } : { kind: 'keychain' },
      keyLabels: [],
      newKeys: [],
      startedAt: new Date().toISOString(),
    };
    await this.registry.update((d) => void d.operations.push(op));
    return op;
  }

  /** Makes a key in the operation's store, journaled on both sides of its creation. */
  async makeKey(op: KeyOperation, algorithm: KeyAlgorithm, label: string): Promise<NewKey> {
    const keyLabel = `${label} [${op.id}]`;
    // A keychain key's id is chosen here and journaled before the key exists; a token picks its own
    // CKA_ID, so a token key made just before a crash is found again by its unique label.
    const keyId = op.store.kind === 'keychain' ? newKeychainKeyId() : undefined;
    await this.change(op.id, (o) => {
      o.keyLabels.push(keyLabel);
      if (keyId) o.newKeys.push({ kind: 'keychain', keyId });
    });
    const store = await this.stores.store(op.store);
    const where = op.store.kind === 'pkcs11' ? { token: op.store.token } : { keyId };
    const stored = await store.generate(algorithm, { label: keyLabel, ...where });
    crashPoint('key-unrecorded');
    if (!keyId) await this.change(op.id, (o) => void o.newKeys.push(stored.ref));
    crashPoint('after-keygen');
    const signer = await store.signer(stored.ref);
    return {
      ref: stored.ref,
      algorithm: stored.algorithm as KeyAlgorithm,
      publicKeySpki: stored.publicKeySpki,
      signer,
      csr: async (subject, sans) => {
        const csr = await createCsr({ subject, sans, signer });
        crashPoint('after-csr');
        return csr;
      },
    };
  }

  /** Undoes an operation that failed: its new keys are deleted, then it is dropped. */
  async abort(opId: string): Promise<void> {
    const op = (await this.registry.read()).operations.find((o) => o.id === opId);
    if (op) await this.undo(op, await this.keysInUse());
    await this.end(opId);
  }

  /** Drops a finished operation. */
  async end(opId: string): Promise<void> {
    await this.registry.update((d) => {
      d.operations = d.operations.filter((o) => o.id !== opId);
    });
  }

  /**
   * Finishes or undoes every operation a crash interrupted; returns one line per operation handled.
   * A store that cannot be reached now (token absent, keychain locked) leaves its operation for later.
   */
  async recover(): Promise<string[]> {
    const { operations } = await this.registry.read();
    const lines: string[] = [];
    for (const op of operations) {
      try {
        const inUse = await this.keysInUse();
        const committed = op.newKeys.some((k) => inUse.some((u) => sameKey(u, k)));
        if (committed) {
          if (op.retireKey && !inUse.some((u) => sameKey(u, op.retireKey!))) await this.deleteKey(op.retireKey);
          lines.push(`finished ${op.kind} ${op.id}${op.retireKey ? ': retired the previous key' : ''}`);
        } else {
          const n = await this.undo(op, inUse);
          lines.push(`undid ${op.kind} ${op.id} interrupted before it committed: deleted ${n} new key(s)`);
        }
        await this.end(op.id);
      } catch (e) {
        lines.push(`could not recover ${op.kind} ${op.id} yet: ${(e as Error).message}`);
      }
    }
    return lines;
  }

  /** Sets the key a committed rekey retires, inside the commit's own registry change. */
  static markRetire(draft: RegistryFile, opId: string, key: KeyRef): void {
    const op = draft.operations.find((o) => o.id === opId);
    if (op) op.retireKey = key;
  }

  private async undo(op: KeyOperation, inUse: KeyRef[]): Promise<number> {
    const found: KeyRef[] = [...op.newKeys];
    if (op.store.kind === 'pkcs11' && this.stores.findKeysByLabel) {
      for (const label of op.keyLabels) found.push(...(await this.stores.findKeysByLabel(op.store, label)));
    }
    const doomed = found.filter((k, i) => !inUse.some((u) => sameKey(u, k)) && found.findIndex((f) => sameKey(f, k)) === i);
    for (const key of doomed) await this.deleteKey(key);
    return doomed.length;
  }

  private async deleteKey(ref: KeyRef): Promise<void> {
    await (await this.stores.store(ref)).delete(ref);
  }

  private async keysInUse(): Promise<KeyRef[]> {
    const { identities, pendingKeys } = await this.registry.read();
    return [...identities.map((i) => i.key), ...pendingKeys.map((p) => p.key)];
  }

  private async change(opId: string, fn: (op: KeyOperation) => void): Promise<void> {
    await this.registry.update((d) => {
      const op = d.operations.find((o) => o.id === opId);
      if (op) fn(op);
    });
  }
}

/** The same key in the same store. */
export function sameKey(a: KeyRef, b: KeyRef): boolean {
  if (a.kind !== b.kind || a.keyId !== b.keyId) return false;
  return a.kind === 'keychain' || (b.kind === 'pkcs11' && a.token === b.token && a.module === b.module);
}
