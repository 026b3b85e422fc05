/**
 * What the test bed looks for on this machine: module paths, commands on PATH, and a probe
 * per backend. Plain Node (no Vitest), so benchmarks and scripts can use the test bed too.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';

/** SoftHSM2's PKCS#11 module (Debian package softhsm2). */
export const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';
/** tpm2-pkcs11's PKCS#11 module (Debian package libtpm2-pkcs11-1). */
export const TPM2_MODULE = '/usr/lib/x86_64-linux-gnu/pkcs11/libtpm2_pkcs11.so';
/** OpenSC's PKCS#11 module (smartcards). */
export const OPENSC_MODULE = '/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so';

const TSS2_LIB_DIR = '/usr/lib/x86_64-linux-gnu';

/** A probe says true when the backend is usable, false or a short reason when it is not. */
export type Probe = () => boolean | string;

/** Full path of `cmd` on PATH (plus the sbin dirs, where tpm2-abrmd lives), or undefined. */
export function which(cmd: string): string | undefined {
  if (cmd.includes('/')) return isExecutable(cmd) ? cmd : undefined;
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = path.join(dir, cmd);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** True when `file` exists (any kind of file). */
export function fileExists(file: string): boolean {
  return existsSync(file);
}

/** The first of `commands` not on PATH and `files` not present, as a reason; true when all are there. */
export function needs(commands: string[], files: string[] = []): true | string {
  const cmd = commands.find((c) => !which(c));
  if (cmd) return `${cmd} not found on PATH`;
  const file = files.find((f) => !fileExists(f));
  if (file) return `${file} not found`;
  return true;
}

/** Probes for the backends the test bed knows by name. */
export const PROBES: Readonly<Record<string, Probe>> = {
  softhsm2: () => needs(['softhsm2-util'], [SOFTHSM_MODULE]),
  keyring: () => needs(['dbus-daemon', 'gnome-keyring-daemon', 'gdbus', 'secret-tool']),
  tpm: () =>
    needs(
      ['swtpm', 'tpm2-abrmd', 'tpm2_ptool', 'dbus-daemon', 'gdbus'],
      [TPM2_MODULE, `${TSS2_LIB_DIR}/libtss2-tcti-tabrmd.so.0`, `${TSS2_LIB_DIR}/libtss2-tcti-swtpm.so.0`],
    ),
  openssl: () => needs(['openssl']),
  opensc: () => needs(['pkcs11-tool'], [OPENSC_MODULE]),
};

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
