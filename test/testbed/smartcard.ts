/**
 * A virtual smartcard reader: pcscd with vsmartcard's vpcd driver, and vicc (vsmartcard's card
 * emulator) as the card, inserted by connecting to the reader's TCP port and removed by stopping.
 *
 * pcscd always serves /run/pcscd/pcscd.comm (Debian's daemon ignores PCSCLITE_CSOCK_NAME), so a
 * private pcscd runs in its own mount namespace with a tmpfs on /run/pcscd, together with the
 * process that must see the reader (`wrap` puts a command in there). The namespace shares the
 * network: vicc, outside, reaches the vpcd port on 127.0.0.1.
 *
 * vicc's ISO 7816 card has no application OpenSC knows, and OpenSC tries each of its ~40 card
 * drivers on it (about 12 s per look at the slot with vicc's slow answers): `env` gives OpenSC a
 * config with only its default driver, which says "not recognized" at once.
 *
 * Debian's python3-virtualsmartcard installs its module one folder too deep and imports
 * `Crypto`, which Debian ships as `Cryptodome`: `viccEnv` points PYTHONPATH at both.
 */
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileExists, needs, OPENSC_MODULE, type Probe } from './tools.js';
import { freePort, startProcess, tempDir, type Proc, type TempDir } from './proc.js';

const VPCD_DRIVER = '/usr/lib/pcsc/drivers/serial/libifdvpcd.so';
const VICC_MODULE_DIR = '/usr/lib/python3/site-packages/virtualsmartcard';
const CRYPTODOME = '/usr/lib/python3/dist-packages/Cryptodome';

/** Probe for requireBackend('smartcard', SMARTCARD_PROBE). */
export const SMARTCARD_PROBE: Probe = () => {
  const tools = needs(['pcscd', 'vicc', 'unshare', 'mount'], [VPCD_DRIVER, OPENSC_MODULE, CRYPTODOME]);
  if (tools !== true) return tools;
  return fileExists(path.join(VICC_MODULE_DIR, 'virtualsmartcard')) || fileExists('/usr/lib/python3/dist-packages/virtualsmartcard') ? true : 'python3-virtualsmartcard not found';
};

/** A reader whose card the test inserts and removes. */
export interface VirtualReader {
  /** The OpenSC module that sees the reader (from inside the namespace). */
  module: string;
  /** Environment for the process that loads `module` (OPENSC_CONF). */
  env: Record<string, string>;
  /** `[cmd, args]` that run `cmd args` in the reader's namespace, with its own pcscd. */
  wrap(cmd: string, args: string[]): [string, string[]];
  /** Starts vicc: the card goes into the reader. */
  insert(): Promise<void>;
  /** Stops vicc: the card comes out. */
  remove(): Promise<void>;
  stop(): Promise<void>;
}

/** Prepares a reader on a free port; nothing runs until `wrap`'s command is started. */
export async function createVirtualReader(): Promise<VirtualReader> {
  const dir: TempDir = await tempDir('smartcard');
  const port = await freePort();
  const confDir = path.join(dir.path, 'reader.conf.d');
  await mkdir(confDir);
  const hex = `0x${port.toString(16).toUpperCase()}`;
  await writeFile(path.join(confDir, 'vpcd'), `FRIENDLYNAME "Virtual PCD"\nDEVICENAME   /dev/null:${hex}\nLIBPATH      ${VPCD_DRIVER}\nCHANNELID    ${hex}\n`);
  const openscConf = path.join(dir.path, 'opensc.conf');
  await writeFile(openscConf, 'app default {\n  card_drivers = default;\n}\n');
  const shim = path.join(dir.path, 'python');
  await mkdir(shim);
  await symlink(CRYPTODOME, path.join(shim, 'Crypto'));
  let card: Proc | undefined;
  const pcscd = `mkdir -p /run/pcscd && mount -t tmpfs -o mode=0755 tmpfs /run/pcscd && { pcscd -f -c '${confDir}' >'${dir.path}/pcscd.log' 2>&1 & } && exec "$@"`;
  return {
    module: OPENSC_MODULE,
    env: { OPENSC_CONF: openscConf },
    wrap: (cmd, args) => ['unshare', ['--mount', '--propagation', 'private', '--', 'sh', '-c', pcscd, 'sh', cmd, ...args]],
    async insert() {
      card = await startProcess('vicc', ['-t', 'iso7816', '-H', '127.0.0.1', '-P', String(port)], {
        name: 'vicc',
        env: { PYTHONPATH: `${VICC_MODULE_DIR}:${shim}` },
      });
    },
    async remove() {
      await card?.stop(500);
      card = undefined;
    },
    async stop() {
      await card?.stop(500);
      await dir.remove();
    },
  };
}
