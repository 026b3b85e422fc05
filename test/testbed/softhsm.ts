/**
 * A throwaway SoftHSM2 in a temp dir: its own softhsm2.conf and token directory, so tests
 * never see (or touch) the machine's tokens. SoftHSM has no daemon: the module reads the
 * token dir named by SOFTHSM2_CONF, so a process using the token needs `env` merged in.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SOFTHSM_MODULE } from './tools.js';
import { runChecked, tempDir } from './proc.js';

/** A SoftHSM2 instance with one initialised token. */
export interface SoftHsm {
  /** Absolute path of the PKCS#11 module. */
  module: string;
  /** Label of the first token (unpadded; PKCS#11 pads it to 32 bytes with spaces). */
  tokenLabel: string;
  pin: string;
  soPin: string;
  /** `SOFTHSM2_CONF=<this instance's conf>`: merge into the env of every process using it. */
  env: Record<string, string>;
  /** The temp dir holding the conf and the tokens. */
  dir: string;
  /** Removes the conf and every token. */
  stop(): Promise<void>;
}

/** Options for `startSoftHsm`. */
export interface SoftHsmOptions {
  label?: string;
  pin?: string;
  soPin?: string;
}

/** Creates a SoftHSM2 conf and token dir in a temp dir and initialises one token (~1 s). */
export async function startSoftHsm(opts: SoftHsmOptions = {}): Promise<SoftHsm> {
  const dir = await tempDir('softhsm');
  try {
    const tokenDir = path.join(dir.path, 'tokens');
    await mkdir(tokenDir, { mode: 0o700 });
    const conf = path.join(dir.path, 'softhsm2.conf');
    await writeFile(conf, confText(tokenDir), { mode: 0o600 });
    const hsm: SoftHsm = {
      module: SOFTHSM_MODULE,
      tokenLabel: opts.label ?? 'keyport-test',
      pin: opts.pin ?? '1234',
      soPin: opts.soPin ?? '12345678',
      env: { SOFTHSM2_CONF: conf },
      dir: dir.path,
      stop: () => dir.remove(),
    };
    await initToken(hsm, hsm.tokenLabel, hsm.pin, hsm.soPin);
    return hsm;
  } catch (error) {
    await dir.remove();
    throw error;
  }
}

/** Adds another initialised token to `hsm` (same PINs unless given). */
export async function addSoftHsmToken(
  hsm: SoftHsm,
  label: string,
  pins: { pin?: string; soPin?: string } = {},
): Promise<void> {
  await initToken(hsm, label, pins.pin ?? hsm.pin, pins.soPin ?? hsm.soPin);
}

/** `softhsm2-util --show-slots` for `hsm`, for diagnostics and smoke tests. */
export async function showSlots(hsm: SoftHsm): Promise<string> {
  const { stdout } = await runChecked('softhsm2-util', ['--show-slots'], { env: hsm.env });
  return stdout;
}

async function initToken(hsm: SoftHsm, label: string, pin: string, soPin: string): Promise<void> {
  // PINs in argv are acceptable only here: softhsm2-util is a short-lived setup tool and the
  // token is a throwaway test token. Keyport itself never takes a PIN in argv.
  await runChecked(
    'softhsm2-util',
    ['--init-token', '--free', '--label', label, '--pin', pin, '--so-pin', soPin],
    { env: hsm.env, name: 'softhsm2-util --init-token' },
  );
}

function confText(tokenDir: string): string {
  return [
    `directories.tokendir = ${tokenDir}`,
    'objectstore.backend = file',
    'log.level = ERROR',
    // Fixed slots keep slot numbering stable across C_Initialize calls.
    'slots.removable = false',
    '',
  ].join('\n');
}
