/**
 * Loads PKCS#11 modules (vendor C libraries) on first use and keeps them initialized for the
 * life of the process. Only the token host (and the benchmark's in-process baseline) loads them.
 */
import { existsSync, statSync } from 'node:fs';
import * as pkcs11 from 'pkcs11js';
import { KeyportError } from '../../shared/errors';
import { ckrOf, isCkr } from './ckr';

/** An initialized module. */
export interface LoadedModule {
  readonly path: string;
  readonly lib: pkcs11.PKCS11;
  readonly info: pkcs11.ModuleInfo;
}

/** The modules this process has loaded, by absolute path. */
export class ModuleSet {
  private readonly loaded = new Map<string, LoadedModule>();

  /** The module at `path`, loading and initializing it on first use. */
  get(path: string): LoadedModule {
    const known = this.loaded.get(path);
    if (known) return known;
    const mod = loadModule(path);
    this.loaded.set(path, mod);
    return mod;
  }

  /** Forgets a module whose state is broken so the next call loads it afresh. */
  drop(path: string): void {
    const mod = this.loaded.get(path);
    if (!mod) return;
    this.loaded.delete(path);
    finalize(mod.lib);
  }

  /** Finalizes every module (on host shutdown). */
  closeAll(): void {
    for (const path of [...this.loaded.keys()]) this.drop(path);
  }
}

/** Loads and initializes one module, refusing files that are not PKCS#11 libraries. */
export function loadModule(path: string): LoadedModule {
  if (!existsSync(path)) {
    throw new KeyportError('KEYPORT_PKCS11_MODULE_NOT_FOUND', `PKCS#11 module ${path} does not exist; check the path given with --pkcs11-module.`);
  }
  if (!statSync(path).isFile()) {
    throw invalid(path, 'it is not a file');
  }
  const lib = new pkcs11.PKCS11();
  try {
    lib.load(path);
  } catch (e) {
    throw invalid(path, loaderDetail(e, path));
  }
  try {
    lib.C_Initialize({ flags: pkcs11.CKF_OS_LOCKING_OK });
  } catch (e) {
    if (!isCkr(e, pkcs11.CKR_CRYPTOKI_ALREADY_INITIALIZED)) {
      closeQuietly(lib);
      const ckr = ckrOf(e)?.name ?? (e instanceof Error ? e.message : String(e));
      throw new KeyportError('KEYPORT_TOKEN_ERROR', `PKCS#11 module ${path} failed to start (${ckr}); check its configuration and that its device is reachable.`, { cause: e });
    }
  }
  return { path, lib, info: lib.C_GetInfo() };
}

function invalid(path: string, detail: string): KeyportError {
  return new KeyportError('KEYPORT_PKCS11_MODULE_INVALID', `${path} is not a PKCS#11 module: ${detail}; point --pkcs11-module at the vendor's PKCS#11 library.`);
}

/** The loader's reason without repeating the path (dlerror prefixes it). */
function loaderDetail(e: unknown, path: string): string {
  const message = e instanceof Error ? e.message : String(e);
  const prefix = `${path}: `;
  return message.startsWith(prefix) ? message.slice(prefix.length) : message;
}

function finalize(lib: pkcs11.PKCS11): void {
  try {
    lib.C_Finalize();
  } catch {
    // A module that cannot finalize is being dropped anyway.
  }
  closeQuietly(lib);
}

function closeQuietly(lib: pkcs11.PKCS11): void {
  try {
    lib.close();
  } catch {
    // Unloading is best effort.
  }
}
