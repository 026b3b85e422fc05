/**
 * gnome-keyring's Secret Service on a private D-Bus session, with HOME and XDG dirs in a
 * temp dir so the machine's own keyrings are never touched. This is the "OS keychain" that
 * keytar talks to on Linux (through libsecret).
 *
 * keytar behaviour measured against it (gnome-keyring 42, keytar 7.9, no prompter on the bus):
 * - unlocked: set/get/find/delete work (~15-30 ms each in a fresh process).
 * - locked (after `lock()`): getPassword resolves null (as if missing!), setPassword rejects
 *   "Cannot create an item in a locked collection", deletePassword resolves false, and
 *   findCredentials CRASHES the process (SIGSEGV in libsecret). Real desktops show an
 *   unlock prompt instead; here the prompter is absent and the call fails at once.
 * - no Secret Service on the bus (`stopDaemon()`): calls reject
 *   "The name org.freedesktop.secrets was not provided by any .service files".
 * - no bus at all: calls reject "Could not connect: No such file or directory", or
 *   "Cannot autolaunch D-Bus without X11 $DISPLAY" when DBUS_SESSION_BUS_ADDRESS is unset.
 *
 * Note: libsecret keeps one bus connection per process, made on first use, so a process
 * must have `env` in its environment before it first touches keytar (use a child process).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { gdbusCall, startDbus, waitForName, type DbusSession } from './dbus.js';
import { startProcess, tempDir, waitUntil, type Proc, type TempDir } from './proc.js';

const SECRETS = 'org.freedesktop.secrets';
const SERVICE_PATH = '/org/freedesktop/secrets';
/** The collection gnome-keyring creates (and unlocks) from the password given at start. */
export const LOGIN_COLLECTION = '/org/freedesktop/secrets/collection/login';

/** A running keyring. */
export interface Keyring {
  /** `DBUS_SESSION_BUS_ADDRESS` of the private bus: merge into the env of keytar's process. */
  env: Record<string, string>;
  /** The temp dir holding HOME, the XDG dirs, the keyrings and the bus socket. */
  dir: string;
  /** The login keyring's password. */
  password: string;
  /** The gnome-keyring-daemon process, while it runs. */
  daemon(): Proc | undefined;
  /** Locks the login collection (Secret Service `Lock`, no prompt needed). */
  lock(): Promise<void>;
  /** True when the login collection is locked. */
  isLocked(): Promise<boolean>;
  /**
   * Unlocks by restarting the daemon with the password; stored items are kept on disk.
   * (gnome-keyring's Unlock wants a GUI prompter, which the test bed does not have.)
   */
  unlock(): Promise<void>;
  /** Stops only the daemon: the bus stays, the Secret Service is gone ("keychain unavailable"). */
  stopDaemon(): Promise<void>;
  /** Stops the daemon and the bus and removes the temp dir. */
  stop(): Promise<void>;
}

/** Starts a private bus and gnome-keyring's Secret Service on it, unlocked (~0.1-0.3 s). */
export async function startKeyring(opts: { password?: string } = {}): Promise<Keyring> {
  const dir = await tempDir('keyring');
  let bus: DbusSession | undefined;
  let daemon: Proc | undefined;
  try {
    const daemonEnv = await prepareDirs(dir);
    bus = await startDbus({ dir: daemonEnv.XDG_RUNTIME_DIR });
    // An empty password makes gnome-keyring skip the login keyring, so use a fixed one.
    const password = opts.password ?? 'keyport-test-keyring';
    const busEnv = bus.env;
    const start = async () => {
      daemon = await startDaemon({ ...daemonEnv, ...busEnv }, password);
    };
    const stopDaemon = async () => {
      await daemon?.stop();
      daemon = undefined;
    };
    await start();
    const activeBus = bus;
    return {
      env: { ...busEnv },
      dir: dir.path,
      password,
      daemon: () => daemon,
      lock: async () => {
        await gdbusCall(activeBus, SECRETS, SERVICE_PATH, 'org.freedesktop.Secret.Service.Lock', [`['${LOGIN_COLLECTION}']`]);
      },
      isLocked: () => isLocked(activeBus),
      unlock: async () => {
        await stopDaemon();
        await start();
      },
      stopDaemon,
      stop: async () => {
        await stopDaemon();
        await activeBus.stop();
        await dir.remove();
      },
    };
  } catch (error) {
    await daemon?.stop();
    await bus?.stop();
    await dir.remove();
    throw error;
  }
}

/** Makes HOME and the XDG dirs inside `dir`; returns the daemon's environment for them. */
async function prepareDirs(dir: TempDir): Promise<Record<string, string>> {
  const sub = (name: string) => path.join(dir.path, name);
  const env = {
    HOME: sub('home'),
    XDG_DATA_HOME: sub('data'),
    XDG_CONFIG_HOME: sub('config'),
    XDG_CACHE_HOME: sub('cache'),
    XDG_RUNTIME_DIR: sub('run'),
  };
  for (const d of Object.values(env)) await mkdir(d, { recursive: true, mode: 0o700 });
  return env;
}

/** Starts gnome-keyring-daemon in the foreground; the password goes in on stdin, never argv. */
async function startDaemon(env: Record<string, string>, password: string): Promise<Proc> {
  const proc = await startProcess(
    'gnome-keyring-daemon',
    ['--foreground', '--unlock', '--components=secrets'],
    {
      // Without a display nothing can pop up; without GNOME_KEYRING_CONTROL it cannot find
      // (and hand over to) a keyring of the developer's session.
      env: { ...env, DISPLAY: undefined, WAYLAND_DISPLAY: undefined, GNOME_KEYRING_CONTROL: undefined, SSH_AUTH_SOCK: undefined },
      input: password,
    },
  );
  try {
    const bus = { env };
    await waitForName(bus, SECRETS, { proc });
    // The login collection appears once the daemon has read the password and unlocked it.
    await waitUntil(async () => (await readDefaultAlias(bus)) === LOGIN_COLLECTION && !(await isLocked(bus)), {
      what: 'the login keyring to be unlocked',
      proc,
      intervalMs: 50,
    });
    return proc;
  } catch (error) {
    await proc.stop();
    throw error;
  }
}

async function readDefaultAlias(bus: { env: Record<string, string> }): Promise<string | undefined> {
  const reply = await gdbusCall(bus, SECRETS, SERVICE_PATH, 'org.freedesktop.Secret.Service.ReadAlias', ['default']).catch(
    () => '',
  );
  return /objectpath '([^']*)'/.exec(reply)?.[1];
}

async function isLocked(bus: { env: Record<string, string> }): Promise<boolean> {
  const reply = await gdbusCall(bus, SECRETS, LOGIN_COLLECTION, 'org.freedesktop.DBus.Properties.Get', [
    'org.freedesktop.Secret.Collection',
    'Locked',
  ]);
  return reply.includes('true');
}
