/**
 * The three key stores as the identity tests drive them through the CLI: the env and flags a
 * `keyport` process needs, the `--to` destination, and an independent way (the backend's own tool)
 * to tell whether a key is still in the store.
 */
import { startKeyring, type Keyring } from '../testbed/keyring';
import { run } from '../testbed/proc';
import { startSoftHsm, type SoftHsm } from '../testbed/softhsm';
import { startTpm, type Tpm } from '../testbed/tpm';

export interface Backend {
  name: string;
  to: string;
  env: Record<string, string>;
  /** Extra global CLI flags (the PKCS#11 module). */
  flags: string[];
  /** Dirs holding the store's own state, scanned for key bytes at the end. */
  dirs: string[];
  /** True when the store still holds a key with this reference (read from the registry). */
  holdsKey(ref: { keyId: string }): Promise<boolean>;
  stop(): Promise<void>;
}

export async function keychainBackend(): Promise<Backend & { keyring: Keyring }> {
  const keyring = await startKeyring();
  return {
    name: 'keychain',
    keyring,
    to: 'keychain',
    env: keyring.env,
    flags: [],
    dirs: [keyring.dir],
    async holdsKey({ keyId }) {
      const r = await run('secret-tool', ['lookup', 'service', 'keyport', 'account', keyId], { env: keyring.env });
      return r.code === 0 && r.stdout.length > 0;
    },
    stop: () => keyring.stop(),
  };
}

/** A PKCS#11 backend: objects listed with OpenSC's pkcs11-tool (a throwaway token's PIN in its argv is fine). */
function pkcs11Backend(name: string, t: SoftHsm | Tpm): Backend {
  return {
    name,
    to: `pkcs11:${t.tokenLabel}`,
    env: { ...t.env, KEYPORT_PIN: t.pin },
    flags: ['--pkcs11-module', t.module],
    dirs: [t.dir],
    async holdsKey({ keyId }) {
      const r = await run(
        'pkcs11-tool',
        ['--module', t.module, '--token-label', t.tokenLabel, '--login', '--pin', t.pin, '--list-objects', '--id', keyId],
        { env: t.env },
      );
      if (r.code !== 0) throw new Error(`pkcs11-tool failed: ${r.stderr}`);
      // pkcs11-tool --list-objects ignores --id and lists every object: look for this key's own block.
      const blocks = r.stdout.split(/\n(?=\S)/);
      return blocks.some((b) => b.startsWith('Private Key Object') && new RegExp(`\\bID:\\s+${keyId}\\b`, 'i').test(b));
    },
    stop: () => t.stop(),
  };
}

export async function softhsmBackend(): Promise<Backend> {
  return pkcs11Backend('softhsm', await startSoftHsm());
}

export async function tpmBackend(): Promise<Backend> {
  return pkcs11Backend('tpm', await startTpm());
}
