/**
 * The signing TLS client against node:tls, both talking to ONE `openssl s_server` with the same
 * in-memory client key: full mTLS handshake latency (median) and bulk download throughput.
 * Targets: latency at most 1.5x node:tls, throughput at least 0.7x. Each client runs in a process
 * of its own (bench/tls-client.mts), warmed up first, and the two take turns so that machine
 * noise hits both alike; the throughput ratio is the median of the per-turn ratios.
 */
import { withDownloadBench, type BenchClient } from './tls-bench-client';
import type { BenchRow } from './types';

const HANDSHAKES = 60;
const WARMUP = 50;
const FILE_MB = 64;
/** Timed downloads per side, taking turns, after one untimed warm-up each (JIT and buffers). */
const DOWNLOADS = 12;

/** Runs the benchmark and returns its rows. */
export function run(): Promise<BenchRow[]> {
  return withDownloadBench(FILE_MB, async (ours, node) => {
    const oursHs = await ours.handshakes(HANDSHAKES, WARMUP);
    const nodeHs = await node.handshakes(HANDSHAKES, WARMUP);
    const dl = await takeTurns(ours, node);
    return [
      { bench: 'tls', case: 'mTLS 1.3 handshake, median (node:tls)', value: nodeHs.median, unit: 'ms' },
      { bench: 'tls', case: 'mTLS 1.3 handshake, median (keyport)', value: oursHs.median, unit: 'ms', ratio: oursHs.median / nodeHs.median, target: '<= 1.5x' },
      { bench: 'tls', case: 'mTLS 1.3 handshakes per second, one at a time (node:tls)', value: nodeHs.perSecond, unit: '/s' },
      { bench: 'tls', case: 'mTLS 1.3 handshakes per second, one at a time (keyport)', value: oursHs.perSecond, unit: '/s', ratio: oursHs.perSecond / nodeHs.perSecond },
      { bench: 'tls', case: `download ${FILE_MB} MB, median (node:tls)`, value: dl.nodeMedian, unit: 'MB/s' },
      { bench: 'tls', case: `download ${FILE_MB} MB, median (keyport; ratio: median of ${DOWNLOADS} turns)`, value: dl.oursMedian, unit: 'MB/s', ratio: dl.ratio, target: '>= 0.7x' },
    ];
  });
}

/** Downloads taking turns: one warm-up each, then DOWNLOADS timed pairs. */
async function takeTurns(ours: BenchClient, node: BenchClient): Promise<{ oursMedian: number; nodeMedian: number; ratio: number }> {
  const bytes = FILE_MB * 1024 * 1024;
  await ours.download(bytes);
  await node.download(bytes);
  const o: number[] = [];
  const n: number[] = [];
  for (let i = 0; i < DOWNLOADS; i++) {
    o.push(await ours.download(bytes));
    n.push(await node.download(bytes));
  }
  return { oursMedian: median(o), nodeMedian: median(n), ratio: median(o.map((v, i) => v / (n[i] as number))) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return sorted.length % 2 ? (sorted[Math.floor(mid)] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
