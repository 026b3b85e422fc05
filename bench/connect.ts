/**
 * `keyport connect` against curl (issue 10): each downloads one 256 MB file from ONE nginx
 * (`ssl_verify_client on`, TLS 1.3) to its stdout, a pipe this process drains and counts; the
 * whole process is timed, start-up included, because that is what a user waits for. Keyport uses
 * a keychain identity (gnome-keyring on a private bus), curl the same key as a file, both the
 * same cipher suite. The two take turns; the ratio is the median of the per-turn ratios of
 * curl's time over ours (throughput ratio). Target: at least 0.9x curl.
 * Every process runs without NODE_EXTRA_CA_CERTS: Node 20 parses that bundle at every start, before
 * any script (these machines point it at 144 system roots: 50-85 ms of CPU, none of it Keyport's, whose
 * TLS never reads it; Node 24 reads it lazily); a row says what it costs when it is set.
 * KEYPORT_BENCH_PROFILE=DIR writes a CPU profile of each `keyport connect` run to DIR.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createTestCa, type TestCa } from '../test/testbed/ca';
import { runCli } from '../test/testbed/cli';
import { startKeyring, type Keyring } from '../test/testbed/keyring';
import { tempDir, type TempDir } from '../test/testbed/proc';
import { startTlsServer, type TlsServer } from '../test/testbed/tls-servers';
import { median } from './stats';
import type { BenchRow } from './types';

const FILE_MB = 256;
const TURNS = 5;
const GET_BIG = 'GET /files/big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';
const WHOAMI = 'GET /whoami HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';
/** What users run: bin/keyport.cjs (it keeps V8's code cache of the bundle), not the bundle itself. */
const KEYPORT_BIN = fileURLToPath(new URL('../bin/keyport.cjs', import.meta.url));
/** The suite Keyport prefers; curl is held to it. */
const SUITE = 'TLS_AES_128_GCM_SHA256';

interface Fixture {
  ca: TestCa;
  keyring: Keyring;
  data: TempDir;
  files: TempDir;
  nginx: TlsServer;
  id: string;
  certFile: string;
  keyFile: string;
}

/** Runs the benchmark and returns its rows. */
export async function run(): Promise<BenchRow[]> {
  const stops: Array<() => Promise<unknown>> = [];
  try {
    const fx = await setUp(stops);
    const bytes = FILE_MB * 1024 * 1024;
    const keyport = () => timed(process.execPath, keyportArgs(fx), cleanEnv(fx.keyring.env), GET_BIG);
    const curl = () => timed('curl', curlArgs(fx), cleanEnv(), '');
    const nodeTls = () => timed(process.execPath, nodeTlsArgs(fx), cleanEnv(), GET_BIG);
    await keyport(); // warm-up: page cache, nginx, keyring, compile cache
    await curl();
    await nodeTls();
    const startups: number[] = [];
    for (let i = 0; i < TURNS; i++) startups.push(check(await timed(process.execPath, keyportArgs(fx), cleanEnv(fx.keyring.env), WHOAMI), 0, 'keyport connect /whoami').cpu);
    const extraCaRows = await extraCaCertsCost();
    const ours: Timed[] = [];
    const theirs: Timed[] = [];
    const node: Timed[] = [];
    for (let i = 0; i < TURNS; i++) {
      ours.push(check(await keyport(), bytes, 'keyport connect'));
      theirs.push(check(await curl(), bytes, 'curl'));
      node.push(check(await nodeTls(), bytes, 'node:tls'));
    }
    const mbps = (ms: number) => FILE_MB / (ms / 1000);
    const turns = (f: (o: Timed, t: Timed) => number, mine = ours) => median(mine.map((o, i) => f(o, theirs[i] as Timed)));
    const what = `download ${FILE_MB} MB to stdout, whole process`;
    return [
      { bench: 'connect', case: `${what}, median (curl, ${SUITE})`, value: mbps(median(theirs.map((t) => t.ms))), unit: 'MB/s' },
      { bench: 'connect', case: `${what}, median (keyport connect; ratio: median of ${TURNS} turns)`, value: mbps(median(ours.map((o) => o.ms))), unit: 'MB/s', ratio: turns((o, t) => t.ms / o.ms), target: '>= 0.9x' },
      { bench: 'connect', case: `${what}, median (node:tls piped to stdout, key file; ratio vs curl: Node's own floor)`, value: mbps(median(node.map((o) => o.ms))), unit: 'MB/s', ratio: turns((o, t) => t.ms / o.ms, node) },
      { bench: 'connect', case: `${what}, CPU user+system, median (curl)`, value: median(theirs.map((t) => t.cpu)), unit: 's' },
      { bench: 'connect', case: `${what}, CPU user+system, median (keyport connect; ratio: curl's over ours)`, value: median(ours.map((o) => o.cpu)), unit: 's', ratio: turns((o, t) => t.cpu / o.cpu) },
      { bench: 'connect', case: `start-up to exit without a download (GET /whoami), CPU, median (keyport connect)`, value: median(startups), unit: 's' },
      ...extraCaRows,
    ];
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}

async function setUp(stops: Array<() => Promise<unknown>>): Promise<Fixture> {
  const [ca, keyring, data, files] = await Promise.all([createTestCa({ ec: true }), startKeyring(), tempDir('bench-connect'), tempDir('bench-connect-files')]);
  stops.push(() => ca.stop(), () => keyring.stop(), () => data.remove(), () => files.remove());
  const [client, server] = await Promise.all([ca.issueClient({ cn: 'bench-connect', ec: true }), ca.issueServer({ sans: ['DNS:localhost', 'IP:127.0.0.1'], ec: true })]);
  await writeFile(path.join(files.path, 'big.bin'), randomBytes(FILE_MB * 1024 * 1024));
  const imported = await runCli(['import', client.chainFile, '--key', client.keyFile, '--json'], { dataDir: data.path, env: keyring.env });
  if (imported.code !== 0) throw new Error(`keyport import failed: ${imported.stderr}`);
  const nginx = await startTlsServer('nginx', {
    version: 'TLSv1.3',
    certFile: server.certFile,
    keyFile: server.keyFile,
    chainFile: ca.intermediateFile,
    clientCaFile: ca.rootFile,
    filesDir: files.path,
  });
  stops.push(() => nginx.stop());
  const id = (JSON.parse(imported.stdout) as { id: string }).id;
  return { ca, keyring, data, files, nginx, id, certFile: client.chainFile, keyFile: client.keyFile };
}

function keyportArgs(fx: Fixture): string[] {
  const profile = process.env.KEYPORT_BENCH_PROFILE;
  return [...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []), KEYPORT_BIN, '--data-dir', fx.data.path, 'connect', `127.0.0.1:${fx.nginx.port}`, '--identity', fx.id, '--ca', fx.ca.rootFile];
}

/** bench/peers/node-tls-get.cjs: what Node's own TLS (OpenSSL) does with the same key as a file. */
function nodeTlsArgs(fx: Fixture): string[] {
  return [fileURLToPath(new URL('./peers/node-tls-get.cjs', import.meta.url)), String(fx.nginx.port), fx.ca.rootFile, fx.certFile, fx.keyFile, SUITE];
}

function curlArgs(fx: Fixture): string[] {
  const url = `https://127.0.0.1:${fx.nginx.port}/files/big.bin`;
  return ['-sS', '--fail', '--tlsv1.3', '--tls13-ciphers', SUITE, '--cacert', fx.ca.rootFile, '--cert', fx.certFile, '--key', fx.keyFile, url];
}

interface Timed {
  ms: number;
  /** CPU seconds of the process (user + system), from bash's `times`. */
  cpu: number;
  bytes: number;
  code: number | null;
  stderr: string;
}

/**
 * Runs one process to its exit with `input` on stdin, draining and counting its stdout. It runs
 * under bash, whose `times` then prints the process's CPU time on stderr's last line.
 */
function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv, input: string): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const script = '"$@"; rc=$?; times >&2; exit $rc';
    const child = spawn('bash', ['-c', script, 'bash', cmd, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let bytes = 0;
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (bytes += d.length));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      const ms = performance.now() - t0;
      resolve({ ms, cpu: childCpu(stderr), bytes, code, stderr: stderr + (signal ? ` (killed by ${signal})` : '') });
    });
    child.stdin.end(input);
  });
}

/** This process's environment with `extra`, without NODE_EXTRA_CA_CERTS (see the top). */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { NODE_EXTRA_CA_CERTS: _, ...rest } = { ...process.env, ...extra };
  return rest;
}

/** When this machine sets NODE_EXTRA_CA_CERTS: what it adds to `node -e 0` (CPU, median of TURNS). */
async function extraCaCertsCost(): Promise<BenchRow[]> {
  const bundle = process.env.NODE_EXTRA_CA_CERTS;
  if (!bundle) return [];
  const boot = async (env: NodeJS.ProcessEnv) => {
    const cpu: number[] = [];
    for (let i = 0; i < TURNS; i++) cpu.push(check(await timed(process.execPath, ['-e', '0'], env, ''), 0, 'node -e 0').cpu);
    return median(cpu);
  };
  const withIt = await boot(process.env);
  const without = await boot(cleanEnv());
  return [{ bench: 'connect', case: `what this machine's NODE_EXTRA_CA_CERTS (${bundle}) adds to every Node start (node -e 0, CPU, median; not in the rows above)`, value: withIt - without, unit: 's' }];
}

/** The children's user + system seconds from `times` ("0m0.010s 0m0.002s" then "0m0.970s 0m0.420s"). */
function childCpu(stderr: string): number {
  const line = stderr.trim().split('\n').at(-1) ?? '';
  const seconds = [...line.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  if (seconds.length !== 2) throw new Error(`no CPU times from bash's times: ${line}`);
  return (seconds[0] as number) + (seconds[1] as number);
}

/** The run, once it is known to have succeeded with at least `bytes` on stdout. */
function check(r: Timed, bytes: number, what: string): Timed {
  if (r.code !== 0 || r.bytes < bytes) throw new Error(`${what} failed (exit ${r.code}, ${r.bytes} of ${bytes} bytes): ${r.stderr.trim().split('\n').at(-3)}`);
  return r;
}
