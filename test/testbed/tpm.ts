/**
 * A software TPM behind tpm2-pkcs11: swtpm (TCP socket mode, state in a temp dir), its own
 * private D-Bus session, tpm2-abrmd on that bus (swtpm alone holds only 3 loaded objects, the
 * resource manager swaps them), and a tpm2-pkcs11 store in the temp dir with one token made by
 * `tpm2_ptool addtoken` (a token made by C_InitToken lacks `pss-sigs-good`, so RSA-PSS fails).
 * Setup takes a few seconds (tpm2_ptool): start one per test file, not per test.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { TPM2_MODULE } from './tools.js';
import { startDbus, waitForName, type DbusSession } from './dbus.js';
import { freePortPair, runChecked, startProcess, tempDir, type Proc } from './proc.js';

const TABRMD_NAME = 'com.intel.tss2.Tabrmd';
const TABRMD_TCTI = 'tabrmd:bus_type=session';

/** A running TPM token. */
export interface Tpm {
  /** Absolute path of tpm2-pkcs11's PKCS#11 module. */
  module: string;
  /** Token label (unpadded; PKCS#11 pads it to 32 bytes with spaces). */
  tokenLabel: string;
  pin: string;
  soPin: string;
  /**
   * `TPM2_PKCS11_TCTI`, `TPM2TOOLS_TCTI`, `TPM2_PKCS11_STORE`, `DBUS_SESSION_BUS_ADDRESS`:
   * merge into the env of every process that loads the module or runs tpm2 tools.
   */
  env: Record<string, string>;
  /** The temp dir holding the TPM state and the tpm2-pkcs11 store. */
  dir: string;
  /** The swtpm process. */
  swtpm: Proc;
  /** The tpm2-abrmd process. */
  abrmd: Proc;
  /** Stops swtpm only, as if the TPM vanished mid-session (tests of "TPM stopped mid-call"). */
  stopTpmDaemon(): Promise<void>;
  /** Stops tpm2-abrmd, swtpm and the bus, and removes the temp dir. */
  stop(): Promise<void>;
}

/** Options for `startTpm`. */
export interface TpmOptions {
  label?: string;
  pin?: string;
  soPin?: string;
}

/** Starts swtpm, a bus, tpm2-abrmd, and makes a tpm2-pkcs11 token (~4-5 s in all). */
export async function startTpm(opts: TpmOptions = {}): Promise<Tpm> {
  const dir = await tempDir('tpm');
  const started: { stop(): Promise<void> }[] = [];
  const stopAll = async () => {
    for (const s of started.reverse()) await s.stop();
    started.length = 0;
  };
  try {
    const stateDir = path.join(dir.path, 'state');
    const storeDir = path.join(dir.path, 'store');
    await mkdir(stateDir, { mode: 0o700 });
    await mkdir(storeDir, { mode: 0o700 });
    const swtpm = await startSwtpm(stateDir);
    started.push(swtpm.proc);
    const bus = await startDbus({ dir: dir.path });
    started.push(bus);
    const abrmd = await startAbrmd(bus, swtpm.port);
    started.push(abrmd);
    const env = {
      ...bus.env,
      TPM2_PKCS11_TCTI: TABRMD_TCTI,
      TPM2TOOLS_TCTI: TABRMD_TCTI,
      TPM2_PKCS11_STORE: storeDir,
    };
    const tpm: Tpm = {
      module: TPM2_MODULE,
      tokenLabel: opts.label ?? 'keyport-tpm',
      pin: opts.pin ?? '1234',
      soPin: opts.soPin ?? '12345678',
      env,
      dir: dir.path,
      swtpm: swtpm.proc,
      abrmd,
      stopTpmDaemon: () => swtpm.proc.stop(),
      stop: async () => {
        await stopAll();
        await dir.remove();
      },
    };
    await makeToken(tpm);
    return tpm;
  } catch (error) {
    await stopAll();
    await dir.remove();
    throw error;
  }
}

/**
 * Starts swtpm on a free port pair (command port P, control port P+1, as the swtpm TCTI
 * expects), trying other ports when another process took the pair first.
 */
async function startSwtpm(stateDir: string): Promise<{ proc: Proc; port: number }> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startSwtpmOn(stateDir, await freePortPair());
    } catch (error) {
      if (attempt >= 3 || !/Address already in use/.test(String(error))) throw error;
    }
  }
}

async function startSwtpmOn(stateDir: string, port: number): Promise<{ proc: Proc; port: number }> {
  const proc = await startProcess(
    'swtpm',
    [
      'socket',
      '--tpm2',
      '--tpmstate',
      `dir=${stateDir}`,
      '--server',
      `type=tcp,port=${port},bindaddr=127.0.0.1`,
      '--ctrl',
      `type=tcp,port=${port + 1},bindaddr=127.0.0.1`,
      '--flags',
      'not-need-init,startup-clear',
    ],
    { ready: { port } },
  );
  return { proc, port };
}

/** Starts tpm2-abrmd on `bus`; --flush-all clears objects a previous user left in the TPM. */
async function startAbrmd(bus: DbusSession, port: number): Promise<Proc> {
  const proc = await startProcess(
    'tpm2-abrmd',
    ['--session', '--allow-root', '--flush-all', `--tcti=swtpm:host=127.0.0.1,port=${port}`],
    { env: bus.env },
  );
  try {
    await waitForName(bus, TABRMD_NAME, { proc });
    return proc;
  } catch (error) {
    await proc.stop();
    throw error;
  }
}

/** Creates the tpm2-pkcs11 store (primary key, pid 1) and one token in it. */
async function makeToken(tpm: Tpm): Promise<void> {
  const opts = { env: tpm.env, timeoutMs: 120_000 };
  await runChecked('tpm2_ptool', ['init'], { ...opts, name: 'tpm2_ptool init' });
  // PINs in argv are acceptable only here: tpm2_ptool is a short-lived setup tool and the
  // token is a throwaway test token. Keyport itself never takes a PIN in argv.
  await runChecked(
    'tpm2_ptool',
    ['addtoken', '--pid=1', `--label=${tpm.tokenLabel}`, `--userpin=${tpm.pin}`, `--sopin=${tpm.soPin}`],
    { ...opts, name: 'tpm2_ptool addtoken' },
  );
}
