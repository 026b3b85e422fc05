/**
 * The enrollment test bed: a test CA, a real step-ca issuing from its intermediate, an nginx that
 * trusts the CA's root for client certificates, and helpers to enroll and inspect through the CLI.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import type { Backend } from '../identity/backends';
import { createTestCa, type TestCa } from '../testbed/ca';
import { CLI_BUNDLE, runCli, type CliResult } from '../testbed/cli';
import { startProcess, tempDir, waitUntil, type Proc, type TempDir } from '../testbed/proc';
import { startStepCa, type StepCa, type StepCaOptions } from '../testbed/step-ca';
import { startTlsServer, type TlsServer } from '../testbed/tls-servers';

/** A CA, its step-ca and a scratch dir for token files. */
export interface EnrollBed {
  ca: TestCa;
  stepCa: StepCa;
  scratch: TempDir;
  /** Writes a fresh one-time token for `sub` to a file; returns its path. */
  tokenFile(sub: string): Promise<string>;
  /** Restarts step-ca on the same port with other options (a rotation, or after an outage). */
  restart(o?: Partial<StepCaOptions>): Promise<void>;
  stop(): Promise<void>;
}

export async function startEnrollBed(o: { certDuration?: string } = {}): Promise<EnrollBed> {
  const ca = await createTestCa({ ec: true });
  const scratch = await tempDir('enroll-scratch');
  let stepCa = await startStepCa({ ca, ...(o.certDuration ? { certDuration: o.certDuration } : {}) });
  let n = 0;
  const bed: EnrollBed = {
    ca,
    get stepCa() {
      return stepCa;
    },
    scratch,
    async tokenFile(sub) {
      const file = path.join(scratch.path, `token-${++n}`);
      await writeFile(file, `${stepCa.token(sub)}\n`, { mode: 0o600 });
      return file;
    },
    async restart(next = {}) {
      const { port, provisionerKey } = stepCa;
      if (stepCa.proc.running()) await stepCa.stop();
      stepCa = await startStepCa({ ca, ...(o.certDuration ? { certDuration: o.certDuration } : {}), port, provisionerKey, ...next });
    },
    async stop() {
      if (stepCa.proc.running()) await stepCa.stop();
      await scratch.remove();
      await ca.stop();
    },
  };
  return bed;
}

/** Runs the CLI against a backend and a data dir. */
export function cli(b: Backend, dataDir: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runCli([...b.flags, ...args], { dataDir, env: { ...b.env, ...env }, timeoutMs: 120_000 });
}

/** Runs with `--json`, expecting success; returns the parsed stdout. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- CLI JSON, checked by the caller's matchers
export async function json(b: Backend, dataDir: string, args: string[], env: Record<string, string> = {}): Promise<any> {
  const r = await cli(b, dataDir, [...args, '--json'], env);
  expect(r.code, `keyport ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return JSON.parse(r.stdout);
}

/** `enroll step-ca` into `b`; returns the identity id. */
export async function enroll(bed: EnrollBed, b: Backend, dataDir: string, sub: string): Promise<string> {
  const tokenFile = await bed.tokenFile(sub);
  const out = await json(b, dataDir, ['enroll', 'step-ca', '--ca-url', bed.stepCa.url, '--root', bed.ca.rootFile, '--token-file', tokenFile, '--to', b.to]);
  return out.id as string;
}

/** An nginx that requires a client certificate from the test CA; `/whoami` names it. */
export async function startNginx(ca: TestCa): Promise<TlsServer> {
  const server = await ca.issueServer({ sans: ['127.0.0.1', 'localhost'], ec: true });
  return startTlsServer('nginx', { version: 'TLSv1.3', certFile: server.certFile, keyFile: server.keyFile, chainFile: ca.intermediateFile, clientCaFile: ca.chainFile });
}

/** A running `keyport daemon`; its stdout is one line per event. */
export interface Daemon {
  proc: Proc;
  /** Log lines whose event type is `type` (optionally about identity `id`). */
  lines(type: string, id?: string): string[];
  /** Waits until `count` lines of `type` (about `id`) were logged. */
  waitFor(type: string, o?: { id?: string; count?: number; timeoutMs?: number }): Promise<string[]>;
}

/** Starts `keyport daemon` with a 1 s tick (and any extra flags) against a data dir. */
export async function startDaemon(b: Backend, dataDir: string, flags: string[] = [], env: Record<string, string> = {}): Promise<Daemon> {
  const proc = await startProcess(process.execPath, [CLI_BUNDLE, ...b.flags, '--data-dir', dataDir, 'daemon', '--tick', '1', ...flags], {
    name: 'keyport daemon',
    env: { NO_COLOR: '1', ...b.env, ...env },
    ready: { line: / started pid=/ },
    timeoutMs: 30_000,
  });
  const lines = (type: string, id?: string): string[] =>
    proc
      .output()
      .split('\n')
      .filter((l) => l.split(' ')[1] === type && (id === undefined || l.includes(`id="${id}"`)));
  return {
    proc,
    lines,
    async waitFor(type, o = {}) {
      await waitUntil(() => lines(type, o.id).length >= (o.count ?? 1), { what: `daemon event ${type} x${o.count ?? 1}`, timeoutMs: o.timeoutMs ?? 30_000, intervalMs: 200, proc });
      return lines(type, o.id);
    },
  };
}
