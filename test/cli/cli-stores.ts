/**
 * The keychain (gnome-keyring) and SoftHSM2 as the CLI tests drive them: each store with its own
 * data dir (the same certificate twice in one registry is KEYPORT_ALREADY_EXISTS), `keyport` runs
 * with the store's env and flags, refusals checked for one sentence and an untouched registry, and
 * the final scan proving no private key reached the disk.
 */
import { createPrivateKey } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { keychainBackend, softhsmBackend, type Backend } from '../identity/backends';
import { encodingsOf, runCli, scanForBytes, type CliResult } from '../testbed/cli';
import { runChecked, tempDir, type TempDir } from '../testbed/proc';

export type StoreName = 'keychain' | 'softhsm';

/** A store as the CLI reaches it: the backend and a data dir. */
export interface Store {
  name: StoreName;
  backend: Backend;
  dataDir: TempDir;
}

/** The `{error:{code,message}}` of a failed `--json` run. */
export interface CliError {
  code: string;
  message: string;
}

/** Both stores, started together; `stop()` stops them and removes every data dir. */
export class CliStores {
  private readonly extraDirs: TempDir[] = [];

  private constructor(
    readonly keychain: Store,
    readonly softhsm: Store,
  ) {}

  /** Starts a keyring and a SoftHSM token, each with a data dir named after `prefix`. */
  static async start(prefix: string): Promise<CliStores> {
    const [keychain, softhsm] = await Promise.all([keychainBackend(), softhsmBackend()]);
    const [kcDir, hsmDir] = await Promise.all([tempDir(`${prefix}-data-keychain`), tempDir(`${prefix}-data-softhsm`)]);
    return new CliStores({ name: 'keychain', backend: keychain, dataDir: kcDir }, { name: 'softhsm', backend: softhsm, dataDir: hsmDir });
  }

  store(store: StoreName | Store): Store {
    return typeof store === 'string' ? this[store] : store;
  }

  /** `--to` for the store. */
  to(store: StoreName | Store): string {
    return this.store(store).backend.to;
  }

  /** The same backend with a fresh data dir, for runs whose registry is checked on its own. */
  async fresh(name: StoreName): Promise<Store> {
    const dataDir = await tempDir(`p12cli-data-fresh-${name}`);
    this.extraDirs.push(dataDir);
    return { ...this[name], dataDir };
  }

  cli(store: StoreName | Store, args: string[]): Promise<CliResult> {
    const s = this.store(store);
    return runCli([...s.backend.flags, ...args], { dataDir: s.dataDir.path, env: s.backend.env, timeoutMs: 120_000 });
  }

  /** Runs with `--json`, expecting success and nothing on stderr; returns the parsed stdout. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- CLI JSON, checked by the caller's matchers
  async json(store: StoreName | Store, args: string[]): Promise<any> {
    const r = await this.cli(store, [...args, '--json']);
    expect(r.stderr, `keyport ${args.join(' ')}`).toBe('');
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout);
  }

  /** Runs a command that must fail with `code` and `exit`: one line on stderr, no stack, the registry byte-identical (or still absent). */
  async refused(store: StoreName | Store, args: string[], code: string, exit: number): Promise<CliError> {
    const registryFile = path.join(this.store(store).dataDir.path, 'identities.json');
    const before = await fs.readFile(registryFile).catch(() => undefined);
    const r = await this.cli(store, [...args, '--json']);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n'), 'one line on stderr').toHaveLength(1);
    const error = errorOf(r);
    expect(error, r.stderr).toMatchObject({ code });
    expect(r.code).toBe(exit);
    expect(error.message).not.toMatch(/\n|\bat .+:\d+:\d+|Error:/);
    const after = await fs.readFile(registryFile).catch(() => undefined);
    if (before === undefined) expect(after, 'no registry written').toBeUndefined();
    else expect(after?.equals(before), 'registry unchanged').toBe(true);
    return error;
  }

  /**
   * No key of `keys` (PKCS#8 DER), nor any key Keyport filed in the keychain, in any data dir, the
   * keyring or the token dir. `caDir` holds the issued key files: finding them there proves the
   * needles are the forms tools write.
   */
  async expectNoKeysOnDisk(keys: Buffer[], caDir: string, keyFiles: number): Promise<void> {
    const needles = [...keys, ...(await this.keychainSecrets())].flatMap(encodingsOf);
    const dataDirs = [this.keychain.dataDir, this.softhsm.dataDir, ...this.extraDirs].map((d) => d.path);
    const dirs = [...dataDirs, ...this.keychain.backend.dirs, ...this.softhsm.backend.dirs];
    expect(await scanForBytes(dirs, needles)).toEqual([]);
    const inCaDir = await scanForBytes([caDir], needles);
    expect(inCaDir.filter((f) => f.endsWith('.key')).length).toBeGreaterThanOrEqual(keyFiles);
  }

  async stop(): Promise<void> {
    await Promise.all([this.keychain.backend.stop(), this.softhsm.backend.stop()]);
    await Promise.all([this.keychain.dataDir, this.softhsm.dataDir, ...this.extraDirs].map((d) => d.remove()));
  }

  /** The PKCS#8 DER Keyport filed in the keychain for keychain identities of every registry, per secret-tool. */
  private async keychainSecrets(): Promise<Buffer[]> {
    const secrets: Buffer[] = [];
    for (const dir of [this.keychain.dataDir, ...this.extraDirs]) {
      const text = await fs.readFile(path.join(dir.path, 'identities.json'), 'utf8').catch(() => undefined);
      const identities = text === undefined ? [] : (JSON.parse(text).identities as Array<{ key: { kind: string; keyId: string } }>);
      for (const { key } of identities.filter((i) => i.key.kind === 'keychain')) {
        const { stdout } = await runChecked('secret-tool', ['lookup', 'service', 'keyport', 'account', key.keyId], {
          env: this.keychain.backend.env,
        });
        secrets.push(Buffer.from(stdout.trim(), 'base64'));
      }
    }
    return secrets;
  }
}

/** The `{error:{code,message}}` a failed `--json` run prints as its last stderr line. */
export function errorOf(r: CliResult): CliError {
  const last = r.stderr.trim().split('\n').pop() ?? '';
  return (JSON.parse(last) as { error: CliError }).error;
}

/** Canonical PKCS#8 DER of a PEM private key. */
export function pkcs8Of(keyPem: string): Buffer {
  return createPrivateKey(keyPem).export({ format: 'der', type: 'pkcs8' });
}
