/**
 * A private D-Bus session bus on a unix socket in a temp dir. Its config lists no service
 * dirs on purpose: nothing is ever bus-activated from the machine's .service files, so a
 * test cannot start a stray gnome-keyring or a GUI prompter by asking for a name nobody owns.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runChecked, startProcess, tempDir, waitUntil, type Proc, type TempDir } from './proc.js';

/** A running private session bus. */
export interface DbusSession {
  /** The bus address, e.g. `unix:path=/tmp/keyport-dbus-x/bus,guid=...`. */
  address: string;
  /** `DBUS_SESSION_BUS_ADDRESS`: merge into the env of every process that uses the bus. */
  env: Record<string, string>;
  /** The dbus-daemon process. */
  proc: Proc;
  /** Stops the daemon and removes its temp dir (when it made one). */
  stop(): Promise<void>;
}

/** Starts dbus-daemon with its socket in `dir` (default: a new temp dir it owns). */
export async function startDbus(opts: { dir?: string } = {}): Promise<DbusSession> {
  const owned: TempDir | undefined = opts.dir ? undefined : await tempDir('dbus');
  const dir = opts.dir ?? (owned as TempDir).path;
  try {
    const config = path.join(dir, 'session.conf');
    await writeFile(config, busConfig(path.join(dir, 'bus')));
    const proc = await startProcess('dbus-daemon', ['--nofork', `--config-file=${config}`, '--print-address=1'], {
      ready: { line: /^unix:.*\n/m },
    });
    const address = /^(unix:\S+)$/m.exec(proc.output())?.[1] ?? `unix:path=${path.join(dir, 'bus')}`;
    return {
      address,
      env: { DBUS_SESSION_BUS_ADDRESS: address },
      proc,
      stop: async () => {
        await proc.stop();
        await owned?.remove();
      },
    };
  } catch (error) {
    await owned?.remove();
    throw error;
  }
}

/** Calls a D-Bus method with `gdbus call` on `bus`; returns gdbus's GVariant text. */
export async function gdbusCall(
  bus: { env: Record<string, string> },
  dest: string,
  objectPath: string,
  method: string,
  args: string[] = [],
): Promise<string> {
  const { stdout } = await runChecked(
    'gdbus',
    ['call', '--session', '--dest', dest, '--object-path', objectPath, '--method', method, ...args],
    { env: bus.env, name: `gdbus call ${method}`, timeoutMs: 15_000 },
  );
  return stdout.trim();
}

/** True when some connection owns `name` on `bus`. */
export async function hasOwner(bus: { env: Record<string, string> }, name: string): Promise<boolean> {
  const reply = await gdbusCall(bus, 'org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', [name]);
  return reply === '(true,)';
}

/** Waits until `name` is owned on `bus`, failing early if `proc` (the would-be owner) exits. */
export async function waitForName(
  bus: { env: Record<string, string> },
  name: string,
  opts: { proc?: Proc; timeoutMs?: number } = {},
): Promise<void> {
  await waitUntil(() => hasOwner(bus, name), {
    what: `${name} on the session bus`,
    intervalMs: 50,
    ...opts,
  });
}

function busConfig(socket: string): string {
  return `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=${socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`;
}
