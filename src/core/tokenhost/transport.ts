/**
 * How the client starts and talks to the token host. The interface is the part of Electron's
 * `UtilityProcess` Keyport uses, so the Electron main can pass `utilityProcess.fork` through an
 * adapter and Node uses `child_process.fork` below.
 */
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** A running token host as the client sees it. */
export interface HostProcess {
  readonly pid: number | undefined;
  postMessage(message: unknown): void;
  on(event: 'message', listener: (message: unknown) => void): void;
  on(event: 'exit', listener: (code: number | null) => void): void;
  /** Stops the host now. */
  kill(): void;
  /** Asks the host to finalize its modules and exit; `kill` is the fallback. */
  close?(): void;
  /** Whether the host keeps the parent's event loop alive (only while calls are pending). */
  setBusy?(busy: boolean): void;
}

/** The script to run and the Node flags it needs. */
export interface HostEntry {
  path: string;
  execArgv: string[];
}

/** Starts a token host. */
export type HostLauncher = (entry: HostEntry, env: NodeJS.ProcessEnv) => HostProcess;

/**
 * The host entry: `tokenhost.js` next to the bundle when running bundled (the CLI bundle's
 * `__dirname` is out/cli; other bundles in out/* find it in ../cli), else the TypeScript source
 * run through tsx.
 */
export function defaultEntry(): HostEntry {
  const bundled = [join(__dirname, 'tokenhost.js'), join(__dirname, '..', 'cli', 'tokenhost.js')].find((p) => existsSync(p));
  if (bundled) return { path: bundled, execArgv: [] };
  return entryFor(join(__dirname, 'host.ts'));
}

/** An entry for a given script; TypeScript sources get tsx's loader. */
export function entryFor(path: string): HostEntry {
  if (!path.endsWith('.ts')) return { path, execArgv: [] };
  const tsx = pathToFileURL(createRequire(__filename).resolve('tsx')).href;
  return { path, execArgv: ['--import', tsx] };
}

/** `child_process.fork` with structured-clone IPC; module chatter is dropped unless debugging. */
export const forkHost: HostLauncher = (entry, env) => {
  const child = fork(entry.path, [], {
    env,
    execArgv: entry.execArgv,
    serialization: 'advanced',
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  // Vendor modules print to stdout and stderr. Keyport reports every failure in its own sentence, so
  // their chatter is shown only for bug reports (KEYPORT_DEBUG=1), and never on our stdout (--json).
  const chatter = (chunk: Buffer) => {
    if (process.env.KEYPORT_DEBUG === '1') process.stderr.write(chunk);
  };
  child.stdout?.on('data', chatter);
  child.stderr?.on('data', chatter);
  // Spawn failures surface as 'exit'; without a listener 'error' would throw.
  child.on('error', () => undefined);
  const handles = [child, child.channel, child.stdout, child.stderr] as Array<{ ref?(): void; unref?(): void } | null | undefined>;
  return {
    get pid() {
      return child.pid;
    },
    postMessage: (message) => {
      if (child.connected) child.send(message as never);
    },
    on: ((event: 'message' | 'exit', listener: (arg: unknown) => void) => {
      child.on(event, listener);
    }) as HostProcess['on'],
    kill: () => {
      child.kill('SIGKILL');
    },
    close: () => {
      if (child.connected) child.disconnect();
      else child.kill('SIGKILL');
    },
    setBusy: (busy) => {
      for (const h of handles) {
        if (busy) h?.ref?.();
        else h?.unref?.();
      }
    },
  };
};
