/**
 * What the ACME CLI tests check about a store besides the registry: how many keys it holds (a failed
 * enrollment must leave none behind) and the private keys Keyport filed in the keychain (scanned for
 * on disk).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { run, runChecked } from '../testbed/proc';
import { expect } from 'vitest';
import { errorOf, type CliError, type CliStores, type Store } from '../cli/cli-stores';
import type { Backend } from '../identity/backends';

/** Private keys in the store: keychain items under service "keyport", or private key objects on the token. */
export async function keyCount(store: Store): Promise<number> {
  const b = store.backend;
  if (store.name === 'keychain') {
    const r = await run('secret-tool', ['search', '--all', 'service', 'keyport'], { env: b.env });
    return (r.stdout + r.stderr).split('\n').filter((l) => /^\[\/.+\]$/.test(l.trim())).length;
  }
  return (await tokenPrivateKeyIds(b)).length;
}

/**
 * CKA_IDs (hex) of the private keys on a PKCS#11 backend's token. Read from the whole listing:
 * pkcs11-tool's --list-objects ignores --id, so a filtered listing proves nothing with several keys.
 */
export async function tokenPrivateKeyIds(b: Backend): Promise<string[]> {
  const [, module] = b.flags;
  const token = b.to.replace(/^pkcs11:/, '');
  const r = await runChecked('pkcs11-tool', ['--module', module!, '--token-label', token, '--login', '--pin', b.env.KEYPORT_PIN!, '--list-objects', '--type', 'privkey'], { env: b.env });
  return r.stdout
    .split(/^(?=\S)/m)
    .filter((block) => block.startsWith('Private Key Object'))
    .map((block) => /^\s*ID:\s*([0-9a-f]+)/m.exec(block)?.[1] ?? '');
}

/** Every key reference in the registry of `dataDir`: identity keys and ACME account keys. */
export async function registryKeyRefs(dataDir: string): Promise<Array<{ kind: string; keyId: string }>> {
  const text = await fs.readFile(path.join(dataDir, 'identities.json'), 'utf8');
  const identities = JSON.parse(text).identities as Array<{ key: { kind: string; keyId: string }; renewal?: { provider: { accountKey?: { kind: string; keyId: string } } } }>;
  return identities.flatMap((i) => [i.key, ...(i.renewal?.provider.accountKey ? [i.renewal.provider.accountKey] : [])]);
}

/** The PKCS#8 DER of a keychain key, as secret-tool reads it back. */
export async function keychainPkcs8(store: Store, keyId: string): Promise<Buffer> {
  const { stdout } = await runChecked('secret-tool', ['lookup', 'service', 'keyport', 'account', keyId], { env: store.backend.env });
  return Buffer.from(stdout.trim(), 'base64');
}

/**
 * What a refused enrollment may leave in a data dir that had no registry: none, or (once keys were
 * made through the key-operation journal, which records each operation before its first key) one
 * with no identity, no pending key and no open operation. A registry that existed must be unchanged.
 */
export async function expectNothingStored(dataDir: string, before: Buffer | undefined): Promise<void> {
  const after = await fs.readFile(path.join(dataDir, 'identities.json')).catch(() => undefined);
  if (before !== undefined) {
    expect(after?.equals(before), 'registry unchanged').toBe(true);
  } else if (after !== undefined) {
    expect(JSON.parse(after.toString('utf8')), 'an empty registry').toMatchObject({ identities: [], pendingKeys: [], operations: [] });
  }
}

/** The registry's bytes now (undefined when there is none), for expectNothingStored. */
export function registryBytes(dataDir: string): Promise<Buffer | undefined> {
  return fs.readFile(path.join(dataDir, 'identities.json')).catch(() => undefined);
}

/**
 * Runs an enrollment that must fail with `code` and `exit`: nothing on stdout, one line on stderr,
 * a one-sentence message, and nothing stored (see expectNothingStored).
 */
export async function expectRefused(stores: CliStores, store: Store, args: string[], code: string, exit: number): Promise<CliError> {
  const before = await registryBytes(store.dataDir.path);
  const r = await stores.cli(store, [...args, '--json']);
  expect(r.stdout).toBe('');
  expect(r.stderr.trim().split('\n'), 'one line on stderr').toHaveLength(1);
  const error = errorOf(r);
  expect(error, r.stderr).toMatchObject({ code });
  expect(r.code).toBe(exit);
  expect(error.message).not.toMatch(/\n|\bat .+:\d+:\d+|Error:/);
  await expectNothingStored(store.dataDir.path, before);
  return error;
}
