/**
 * One TLS client of the TLS benches, run in a process of its own (as in real use: Keyport's proxy
 * and a node:tls program are separate processes). Measured in one process, each client's garbage
 * and JIT deoptimisations slowed the other down: ours fell from 0.8x to 0.6x of node:tls when
 * the two alternated in one heap. The parent sends requests over IPC (bench/tls-bench-client.ts):
 *   { op: 'handshakes', count, warmup } -> { median (ms), perSecond }
 *   { op: 'download', path, bytes, counted } -> { mbps }; `counted` turns callgrind's counting on
 *     for the download alone (the process runs under `valgrind --instr-atstart=no`)
 *   { op: 'exit' }
 */
import { execFileSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { connect as netConnect } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import { connect as nodeConnect } from 'node:tls';
import { memorySigner } from '../src/core/keystores/memory-signer';
import { connect } from '../src/core/tls';

/** What the parent passes in KEYPORT_BENCH_CLIENT (JSON). `tcp`: plain TCP to a proxy (bench/proxy.ts); no TLS of its own. */
export interface ClientSetup {
  kind: 'keyport' | 'node:tls' | 'tcp';
  port: number;
  servername: string;
  caPem: string;
  certPem: string;
  /** The client certificate's DER, base64. */
  certDer: string;
  keyPem: string;
}

export type ClientRequest =
  | { op: 'handshakes'; count: number; warmup: number }
  | { op: 'download'; path: string; bytes: number; counted?: boolean }
  | { op: 'exit' };

const setup = JSON.parse(process.env.KEYPORT_BENCH_CLIENT ?? '{}') as ClientSetup;
const open = setup.kind === 'keyport' ? keyportOpener(setup) : setup.kind === 'tcp' ? tcpOpener(setup) : nodeOpener(setup);

function keyportOpener(s: ClientSetup): () => Promise<Duplex> {
  const signer = memorySigner(createPrivateKey(s.keyPem));
  const chain = [Buffer.from(s.certDer, 'base64')];
  return () => connect({ host: '127.0.0.1', port: s.port, servername: s.servername, ca: [Buffer.from(s.caPem)], signer, chain });
}

function nodeOpener(s: ClientSetup): () => Promise<Duplex> {
  return () =>
    new Promise((resolve, reject) => {
      const sock = nodeConnect({ host: '127.0.0.1', port: s.port, servername: s.servername, ca: s.caPem, cert: s.certPem, key: s.keyPem });
      sock.once('secureConnect', () => resolve(sock));
      sock.once('error', reject);
    });
}

function tcpOpener(s: ClientSetup): () => Promise<Duplex> {
  return () =>
    new Promise((resolve, reject) => {
      const sock = netConnect({ host: '127.0.0.1', port: s.port });
      sock.once('connect', () => resolve(sock));
      sock.once('error', reject);
    });
}

/** Median handshake time and the rate of handshakes done one after another, after a warm-up. */
async function handshakes(count: number, warmup: number): Promise<{ median: number; perSecond: number }> {
  const times: number[] = [];
  for (let i = 0; i < warmup + count; i++) {
    const t0 = performance.now();
    const sock = await open();
    if (i >= warmup) times.push(performance.now() - t0);
    sock.destroy();
  }
  const total = times.reduce((a, b) => a + b, 0);
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)] as number, perSecond: (1000 * count) / total };
}

/** One download of `path` from the s_server -WWW, in MB/s from the request to the last byte. */
async function download(path: string, expected: number): Promise<{ mbps: number }> {
  const sock = await open();
  const t0 = performance.now();
  let bytes = 0;
  await new Promise<void>((resolve, reject) => {
    sock.on('data', (d: Buffer) => (bytes += d.length));
    sock.once('end', resolve);
    sock.once('error', reject);
    sock.write(`GET /${path} HTTP/1.0\r\n\r\n`);
  });
  const seconds = (performance.now() - t0) / 1000;
  sock.destroy();
  if (bytes < expected) throw new Error(`download short: ${bytes} of ${expected} bytes`);
  return { mbps: bytes / 1024 / 1024 / seconds };
}

/** Turns callgrind's instruction counting for this process on or off. */
function callgrind(on: boolean): void {
  execFileSync('callgrind_control', ['--instr', on ? 'on' : 'off', String(process.pid)], { stdio: 'ignore' });
}

async function countedDownload(path: string, expected: number): Promise<{ mbps: number }> {
  callgrind(true);
  try {
    return await download(path, expected);
  } finally {
    callgrind(false);
  }
}

process.on('message', (req: ClientRequest) => {
  if (req.op === 'exit') process.exit(0);
  const work =
    req.op === 'handshakes' ? handshakes(req.count, req.warmup) : req.counted ? countedDownload(req.path, req.bytes) : download(req.path, req.bytes);
  work.then(
    (value) => process.send?.({ ok: true, value }),
    (e: unknown) => process.send?.({ ok: false, error: String((e as Error).message ?? e) }),
  );
});
process.send?.({ ok: true, value: 'ready' });
