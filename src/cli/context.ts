import type { Command } from 'commander';
import { Keyport } from '../core/app';
import type { PinRejected, PinSource } from '../core/keystores/pkcs11';
import { defaultDataDir } from './data-dir';
import { promptSecret, readSecretFile } from './secrets';

/** Global options every command sees. */
export interface GlobalOptions {
  dataDir?: string;
  pkcs11Module: string[];
  pinFile?: string;
}

/** The modules from --pkcs11-module, then KEYPORT_PKCS11_MODULES (`:`-separated), without duplicates. */
export function pkcs11Modules(opts: GlobalOptions, env = process.env): string[] {
  const fromEnv = (env.KEYPORT_PKCS11_MODULES ?? '').split(':').filter(Boolean);
  return [...new Set([...opts.pkcs11Module, ...fromEnv])];
}

/** PINs from --pin-file, else KEYPORT_PIN, else a prompt on the terminal. Never from argv. */
export function pinSource(opts: GlobalOptions, env = process.env): PinSource {
  return async ({ token }) => {
    if (opts.pinFile) return readSecretFile(opts.pinFile, 'PIN');
    if (env.KEYPORT_PIN !== undefined) return env.KEYPORT_PIN;
    return promptSecret(
      `PIN for token "${token}": `,
      `Token "${token}" needs its PIN: use --pin-file FILE, set KEYPORT_PIN, or run keyport in a terminal to be asked.`,
    );
  };
}

/**
 * Runs `fn` with Keyport opened from the command's global options, and closes it afterwards.
 * `pins` replaces the default PIN source (the proxy never prompts: it uses its PIN vault, which is
 * also told of the PINs a token refused).
 */
export async function withKeyport<T>(cmd: Command, fn: (k: Keyport) => Promise<T>, pins?: { source: PinSource; rejected: PinRejected }): Promise<T> {
  const opts = cmd.optsWithGlobals<GlobalOptions>();
  const keyport = new Keyport({
    dataDir: opts.dataDir ?? defaultDataDir(),
    pkcs11Modules: pkcs11Modules(opts),
    pin: pins?.source ?? pinSource(opts),
    ...(pins ? { onPinRejected: pins.rejected } : {}),
  });
  try {
    return await fn(keyport);
  } finally {
    await keyport.close();
  }
}
