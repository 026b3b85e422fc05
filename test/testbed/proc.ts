/**
 * Processes for the test bed: daemons started in their own process group and stopped by
 * killing the group, short-lived tools run to completion, free ports and temp dirs.
 * Everything started here is registered with ./cleanup so a failing test never leaves a
 * daemon or a temp dir behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { groupAlive, killGroup, trackDir, trackGroup, untrackDir, untrackGroup } from './cleanup.js';

/** Output kept per process for error messages; older output is dropped. */
const MAX_OUTPUT = 64 * 1024;

/** When a started daemon counts as ready. */
export type Readiness =
  | { port: number; host?: string }
  | { file: string }
  | { line: RegExp }
  | { until: () => boolean | Promise<boolean> };

/** How to start a process. `env` is the whole environment unless `inheritEnv` is true. */
export interface StartOptions {
  /** Name used in error messages (default: the command's base name). */
  name?: string;
  env?: Record<string, string | undefined>;
  /** Merge `env` over process.env (default true). */
  inheritEnv?: boolean;
  cwd?: string;
  /** Written to stdin, which is then closed. Without it stdin stays an open, idle pipe. */
  input?: string | Buffer;
  ready?: Readiness;
  /** How long to wait for readiness (default 15 s). */
  timeoutMs?: number;
}

/** How a process ended: an exit code, or the signal that killed it. */
export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running process group. */
export interface Proc {
  readonly name: string;
  /** PID of the group leader; the group's id too. */
  readonly pid: number;
  /** Combined stdout and stderr so far (the last 64 KiB). */
  output(): string;
  /** True until the leader has exited. */
  running(): boolean;
  /** Resolves when the leader has exited. */
  readonly exited: Promise<ExitStatus>;
  /** SIGTERM to the group, SIGKILL after `graceMs` (default 3 s); resolves once the group is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts `cmd` as the leader of a new process group and waits until it is ready. */
export async function startProcess(cmd: string, args: string[], opts: StartOptions = {}): Promise<Proc> {
  const proc = spawnGroup(cmd, args, opts);
  if (opts.ready) {
    try {
      await waitReady(proc, opts.ready, opts.timeoutMs ?? 15_000);
    } catch (error) {
      await proc.stop(500);
      throw error;
    }
  }
  return proc;
}

/** The result of a tool run to completion. */
export interface RunResult extends ExitStatus {
  stdout: string;
  stderr: string;
}

/** How to run a short-lived tool. */
export interface RunOptions extends Omit<StartOptions, 'ready'> {
  /** Kill the tool's group after this long (default 60 s). */
  timeoutMs?: number;
}

/** Runs a tool to completion in its own process group; a timeout kills the group. */
export async function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  // A tool that finds no input must see end-of-file, not wait for a prompt answer.
  const proc = spawnGroup(cmd, args, { ...opts, input: opts.input ?? '' }, (chunk, isErr) => (isErr ? stderr : stdout).push(chunk));
  const timeoutMs = opts.timeoutMs ?? 60_000;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(proc.pid);
  }, timeoutMs);
  const status = await proc.exited.finally(() => clearTimeout(timer));
  await proc.stop(0);
  // 'exit' can come before the last output: wait for the pipes to drain (bounded, in case a
  // process that left the group still holds them).
  await Promise.race([proc.drained, sleep(2000)]);
  if (timedOut) throw new Error(`${proc.name} did not finish within ${timeoutMs} ms: ${lastLines(proc.output())}`);
  if (status.code === null && status.signal === null) throw new Error(`Cannot run ${proc.name}: ${lastLines(proc.output())}`);
  return { ...status, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') };
}

/** Like `run`, but a non-zero exit is an error whose message carries the tool's output. */
export async function runChecked(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const result = await run(cmd, args, opts);
  if (result.code !== 0) {
    const name = opts.name ?? path.basename(cmd);
    const how = result.signal ? `was killed by ${result.signal}` : `failed with exit code ${result.code}`;
    throw new Error(`${name} ${how}: ${lastLines(result.stderr || result.stdout)}`);
  }
  return result;
}

/** Polls `check` until it returns true; fails after `timeoutMs`, or early when `proc` exits. */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  opts: { what: string; timeoutMs?: number; intervalMs?: number; proc?: Proc },
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  for (;;) {
    const ok = await check();
    // Checked after `check`: a port answered by someone else must not pass for a dead daemon.
    if (opts.proc && !opts.proc.running()) {
      throw new Error(`${opts.proc.name} exited while waiting for ${opts.what}: ${lastLines(opts.proc.output())}`);
    }
    if (ok) return;
    if (Date.now() > deadline) {
      const out = opts.proc ? `: ${lastLines(opts.proc.output())}` : '';
      throw new Error(`Timed out waiting for ${opts.what}${out}`);
    }
    await sleep(opts.intervalMs ?? 25);
  }
}

/** The lowest port freePort() hands out. */
const PORTS_FROM = 10000;

/** A loopback TCP port that was free a moment ago, for servers that cannot listen on port 0. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  // Not from listen(0): that hands out a port of the ephemeral range, which any outgoing connection
  // of a test running beside may take before our server binds it (a proxy test failed so in CI).
  const [low, high] = ephemeralPorts();
  const [from, to] = low - PORTS_FROM > 1000 ? [PORTS_FROM, low - 1] : [high + 1, 65535];
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const port = from + Math.floor(Math.random() * (to - from + 1));
    if (await canListen(port, host)) return port;
  }
  throw new Error(`Cannot find a free port on ${host} between ${from} and ${to}`);
}

let ephemeral: [number, number] | undefined;

/** The kernel's range for outgoing connections' local ports (Linux's default where unreadable); read once. */
export function ephemeralPorts(): [number, number] {
  return (ephemeral ??= readEphemeralPorts());
}

function readEphemeralPorts(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low && high) return [low, high];
  } catch {
    // not Linux
  }
  return [32768, 60999];
}

/** A free port P with P+1 free as well (swtpm's control channel sits on the next port). */
export async function freePortPair(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const port = await freePort(host);
    if (port < 65535 && (await canListen(port + 1, host))) return port;
  }
  throw new Error('Cannot find two consecutive free loopback ports');
}

/** True when something accepts TCP connections on host:port. */
export function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A private temp directory that `remove()` deletes (and the worker's exit, if nobody did). */
export interface TempDir {
  readonly path: string;
  remove(): Promise<void>;
}

/** Creates a private temp directory named after `prefix`. */
export async function tempDir(prefix: string): Promise<TempDir> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `keyport-${prefix}-`));
  trackDir(dir);
  return {
    path: dir,
    remove: async () => {
      await rm(dir, { recursive: true, force: true });
      untrackDir(dir);
    },
  };
}

/** The last few lines of a tool's output, on one line, for an error message. */
export function lastLines(text: string, count = 8): string {
  const lines = text.trim().split('\n').slice(-count);
  return lines.join(' | ') || '(no output)';
}

/** A Proc plus when its stdout and stderr have closed. */
type SpawnedProc = Proc & { drained: Promise<void> };

function spawnGroup(
  cmd: string,
  args: string[],
  opts: StartOptions,
  onData?: (chunk: Buffer, isErr: boolean) => void,
): SpawnedProc {
  const env = opts.inheritEnv === false ? opts.env : { ...process.env, ...opts.env };
  const child = spawn(cmd, args, { cwd: opts.cwd, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  const name = opts.name ?? path.basename(cmd);
  let output = '';
  const collect = (isErr: boolean) => (chunk: Buffer) => {
    onData?.(chunk, isErr);
    output = (output + chunk.toString('utf8')).slice(-MAX_OUTPUT);
  };
  child.stdout?.on('data', collect(false));
  child.stderr?.on('data', collect(true));
  child.stdin?.on('error', () => undefined); // the process may exit before reading its input
  if (opts.input !== undefined) child.stdin?.end(opts.input);
  const exited = exitOf(child, (msg) => (output += msg));
  const drained = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const pid = child.pid;
  if (pid === undefined) {
    // spawn failed (e.g. ENOENT); `exited` carries the reason into `output`.
    return { name, pid: -1, output: () => output, running: () => false, exited, drained, stop: async () => undefined };
  }
  trackGroup(pid);
  let done = false;
  void exited.then(() => (done = true));
  return {
    name,
    pid,
    output: () => output,
    running: () => !done,
    exited,
    drained,
    stop: (graceMs = 3000) => stopGroup(pid, exited, graceMs),
  };
}

function exitOf(child: ChildProcess, note: (msg: string) => void): Promise<ExitStatus> {
  return new Promise((resolve) => {
    child.once('error', (error) => {
      note(`\n${error.message}`);
      resolve({ code: null, signal: null });
    });
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

async function stopGroup(pid: number, exited: Promise<ExitStatus>, graceMs: number): Promise<void> {
  killGroup(pid, graceMs > 0 ? 'SIGTERM' : 'SIGKILL');
  const deadline = Date.now() + graceMs;
  while (groupAlive(pid) && Date.now() < deadline) await sleep(20);
  killGroup(pid, 'SIGKILL');
  await exited;
  // Members other than the leader may take a moment to be reaped by init.
  const hardDeadline = Date.now() + 5000;
  while (groupAlive(pid) && Date.now() < hardDeadline) await sleep(20);
  untrackGroup(pid);
}

async function waitReady(proc: Proc, ready: Readiness, timeoutMs: number): Promise<void> {
  const check = readinessCheck(proc, ready);
  await waitUntil(check.test, { what: check.what, timeoutMs, proc });
}

function readinessCheck(proc: Proc, ready: Readiness): { test: () => boolean | Promise<boolean>; what: string } {
  if ('port' in ready) {
    const host = ready.host ?? '127.0.0.1';
    return { test: () => portOpen(ready.port, host), what: `${proc.name} to listen on ${host}:${ready.port}` };
  }
  if ('file' in ready) return { test: () => existsSync(ready.file), what: `${proc.name} to create ${ready.file}` };
  if ('line' in ready) return { test: () => ready.line.test(proc.output()), what: `${proc.name} to print ${ready.line}` };
  return { test: ready.until, what: `${proc.name} to be ready` };
}

async function canListen(port: number, host: string): Promise<boolean> {
  const server = net.createServer();
  const ok = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, host, () => resolve(true));
  });
  if (ok) await new Promise<void>((resolve) => server.close(() => resolve()));
  return ok;
}
