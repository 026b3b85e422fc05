/**
 * What the ACME CLI tests check about a store besides the registry: how many keys it holds (a failed
 * enrollment must leave none behind) and the private keys Keyport filed in the keychain (scanned for
 * on disk).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { run, runChecked } from '../testbed/proc';
import type { Store } from '../cli/cli-stores';
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
