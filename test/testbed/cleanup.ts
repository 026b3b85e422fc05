/**
 * Last-resort cleanup of everything the test bed starts: process groups and temp dirs.
 *
 * Callers stop what they start in afterAll/finally. This module covers the rest: the worker
 * exiting (process 'exit', SIGINT/SIGTERM/SIGHUP) and the worker being killed outright, which
 * no handler in it survives. For that a small detached "reaper" process watches a pipe from
 * the worker; when the pipe closes (the worker is gone, however it died) it kills the groups
 * and removes the dirs still registered.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';

const groups = new Set<number>();
const dirs = new Set<string>();
let reaper: ChildProcess | undefined;
let hooked = false;

/**
 * Runs in the reaper (plain JS for `node -e`). Lines from the worker: "+g PID", "-g PID",
 * "+d PATH", "-d PATH". On end of input it kills the remaining groups and removes the dirs.
 */
const REAPER_SOURCE = `
const fs = require('fs');
const groups = new Set(), dirs = new Set();
let pending = '';
process.on('SIGINT', () => {}); process.on('SIGHUP', () => {});
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  pending += chunk;
  const lines = pending.split('\\n'); pending = lines.pop();
  for (const line of lines) {
    const set = line[1] === 'g' ? groups : dirs, value = line.slice(3);
    if (line[0] === '+') set.add(value); else set.delete(value);
  }
});
process.stdin.on('end', () => {
  for (const pid of groups) { try { process.kill(-Number(pid), 'SIGKILL'); } catch {} }
  for (const dir of dirs) { try { fs.rmSync(dir, { recursive: true, force: true }); } catch {} }
  process.exit(0);
});
`;

/** Registers a process group (by its leader's PID) to be killed if the worker exits first. */
export function trackGroup(pid: number): void {
  hookExit();
  groups.add(pid);
  tellReaper(`+g ${pid}`);
}

/** Forgets a process group once it has been stopped. */
export function untrackGroup(pid: number): void {
  groups.delete(pid);
  tellReaper(`-g ${pid}`);
}

/** Registers a temp dir to be removed if the worker exits first. */
export function trackDir(dir: string): void {
  hookExit();
  dirs.add(dir);
  tellReaper(`+d ${dir}`);
}

/** Forgets a temp dir once it has been removed. */
export function untrackDir(dir: string): void {
  dirs.delete(dir);
  tellReaper(`-d ${dir}`);
}

/** Sends SIGKILL to a whole process group; a group that is already gone is fine. */
export function killGroup(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  // -1 would mean "every process we may signal" and 0 our own group: never.
  if (!Number.isInteger(pid) || pid <= 1) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: nothing left in the group.
  }
}

/** True while any process of the group led by `pid` is alive (zombies awaiting reaping count as gone). */
export function groupAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 1) return false;
  try {
    process.kill(-pid, 0);
  } catch {
    return false;
  }
  return readdirSync('/proc').some((entry) => {
    const stat = procStat(Number(entry));
    return stat !== undefined && stat.pgrp === pid && stat.state !== 'Z';
  });
}

/** True while process `pid` exists and is not a zombie. */
export function processAlive(pid: number): boolean {
  const stat = procStat(pid);
  return stat !== undefined && stat.state !== 'Z';
}

/** State and process group of `pid` from /proc/PID/stat, or undefined when it is gone. */
function procStat(pid: number): { state: string; pgrp: number } | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "PID (comm) STATE PPID PGRP ...": comm may hold spaces and parentheses, so cut at the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', pgrp: Number(fields[2]) };
}

function cleanupNow(): void {
  for (const pid of groups) killGroup(pid);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  groups.clear();
  dirs.clear();
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', cleanupNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      cleanupNow();
      // Re-raise so the worker still dies of the signal, unless someone else handles it.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

function tellReaper(line: string): void {
  const stdin = startReaper().stdin;
  if (stdin && !stdin.destroyed) stdin.write(`${line}\n`);
}

function startReaper(): ChildProcess {
  if (reaper) return reaper;
  // Its own process group, so a Ctrl-C to the test run's group does not take it down early.
  const env = { ...process.env };
  delete env.NODE_OPTIONS; // the test runner's loaders have no business in the reaper
  reaper = spawn(process.execPath, ['-e', REAPER_SOURCE], { detached: true, env, stdio: ['pipe', 'ignore', 'ignore'] });
  reaper.stdin?.on('error', () => undefined);
  // Neither the reaper nor its pipe may keep the worker alive.
  reaper.unref();
  (reaper.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return reaper;
}
