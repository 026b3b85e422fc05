/**
 * The child processes behind the test-bed TLS servers: started in their own process group
 * (registered with ../cleanup, like every test-bed process), read line by line with stdout
 * and stderr apart, stopped by killing the group. Unlike ../proc's port readiness, waiting
 * for a port reads /proc/net/tcp: a probe connection would show up in the server's evidence.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFile, readdir, readlink } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { killGroup, trackGroup, untrackGroup } from '../cleanup.js';
import { freePort, lastLines } from '../proc.js';

/** Lines longer than this are cut: servers that log what they echo must not fill memory. */
const MAX_LINE = 64 * 1024;

/** A started server process. */
export interface ServerProcess {
  readonly child: ChildProcess;
  /** Lines of stdout and stderr kept by the `keep` filter, in arrival order per stream. */
  readonly stdout: string[];
  readonly stderr: string[];
  /** Resolves when the process has exited (immediately if it already has). */
  exited(): Promise<void>;
  /** Stops the whole process group: SIGTERM, then SIGKILL after a grace period. */
  stop(): Promise<void>;
}

/** How to start a server process. */
export interface SpawnServerOptions extends Pick<SpawnOptions, 'cwd' | 'env'> {
  /** Whether a line is worth keeping; default keeps all. */
  keep?: (line: string) => boolean;
  /** Read stdout as lines (default); false leaves stdout to the caller (e.g. to pipe it back). */
  stdoutLines?: boolean;
}

/** Starts `command` in its own process group with piped stdio. */
export function spawnServer(command: string, args: string[], options: SpawnServerOptions = {}): ServerProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const keep = options.keep ?? (() => true);
  const stdout: string[] = [];
  const stderr: string[] = [];
  if (options.stdoutLines !== false) collectLines(child.stdout, stdout, keep);
  collectLines(child.stderr, stderr, keep);
  child.stdin?.on('error', () => undefined); // the server may exit before it reads its stdin
  const exit = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  if (child.pid !== undefined) trackGroup(child.pid);
  return { child, stdout, stderr, exited: () => exit, stop: () => stopGroup(child, exit) };
}

function collectLines(stream: NodeJS.ReadableStream | null, into: string[], keep: (line: string) => boolean): void {
  if (!stream) return;
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    pending += chunk;
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      pushLine(pending.slice(0, newline), into, keep);
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
    }
    if (pending.length > MAX_LINE) pending = pending.slice(0, MAX_LINE);
  });
  stream.on('end', () => {
    if (pending) pushLine(pending, into, keep);
  });
}

function pushLine(raw: string, into: string[], keep: (line: string) => boolean): void {
  const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  if (keep(line)) into.push(line.slice(0, MAX_LINE));
}

/** SIGTERM to the group; SIGKILL to whatever is left after the leader exits or a grace period. */
async function stopGroup(child: ChildProcess, exit: Promise<void>): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  killGroup(pid, 'SIGTERM');
  await Promise.race([exit, sleep(3000)]);
  killGroup(pid, 'SIGKILL'); // members that outlive their leader (the servers behind a wrapper)
  await exit;
  untrackGroup(pid);
}

/**
 * Waits until `proc` itself listens on `port`, without connecting to it (a probe would show
 * up in the server's evidence). Fails fast when `proc` exits first (its stderr explains why).
 */
export async function waitForListen(port: number, proc: ServerProcess, what: string, timeoutMs = 10_000): Promise<void> {
  let exited = false;
  void proc.exited().then(() => (exited = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.pid !== undefined && (await listensOn(proc.child.pid, port))) return;
    if (exited) throw new Error(`${what} exited before listening on port ${port}: ${tail(proc.stderr)}`);
    await sleep(25);
  }
  throw new Error(`${what} did not listen on port ${port} within ${timeoutMs} ms: ${tail(proc.stderr)}`);
}

/** The last few lines of a stream, on one line, for error messages. */
export function tail(lines: string[]): string {
  return lastLines(lines.join('\n'), 5);
}

const LISTEN_STATE = '0A';

/** Whether process `pid` holds a socket listening on TCP `port` (checked by socket inode). */
async function listensOn(pid: number, port: number): Promise<boolean> {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch(() => '');
    for (const row of text.split('\n').slice(1)) {
      const cols = row.trim().split(/\s+/);
      if (cols[1]?.endsWith(`:${hexPort}`) && cols[3] === LISTEN_STATE && cols[9]) inodes.add(cols[9]);
    }
  }
  if (inodes.size === 0) return false;
  const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
  for (const fd of fds) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode && inodes.has(inode)) return true;
  }
  return false;
}

/**
 * Starts a server on a free port, retrying with another port when it lost the race for
 * the one it was given (another process took it between `freePort` and the server's bind).
 */
export async function startOnFreePort<T>(start: (port: number) => Promise<T>, attempts = 3): Promise<T> {
  let lastError: unknown;
  for (let i = 0; i < attempts; i += 1) {
    try {
      return await start(await freePort());
    } catch (error) {
      lastError = error;
      if (!/address already in use|bind\(\)|EADDRINUSE/i.test(String(error))) throw error;
    }
  }
  throw lastError;
}
