/**
 * Bulk-download cost in CPU instructions, counted by callgrind: Keyport's TLS client against
 * node:tls, each in its own process, both downloading from ONE `openssl s_server` (not counted).
 * Wall-clock throughput on a shared 2-core machine swings from run to run; instruction counts do
 * not, and on a CPU-bound client throughput follows them. Each client is warmed up with counting
 * off, then three downloads are counted (background GC and JIT threads included). Ratio: node:tls's instructions over ours (>= 0.7x means our
 * CPU-bound throughput is at least 0.7x node:tls's). Slow (minutes), so it runs only when asked:
 * `npm run bench -- instructions`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withDownloadBench, type BenchClient } from './tls-bench-client';
import type { BenchRow } from './types';

/** Runs only when the bench filter says "instructions". */
export const optIn = 'instructions';

const FILE_MB = 64;
const WARMUP_DOWNLOADS = 2;
/** Counted downloads: several, so that garbage collections fall in proportion. */
const COUNTED_DOWNLOADS = 3;

/** Runs the benchmark and returns its rows. */
export async function run(): Promise<BenchRow[]> {
  const out = mkdtempSync(join(tmpdir(), 'keyport-callgrind-'));
  try {
    return await withDownloadBench(
      FILE_MB,
      async (ours, node) => {
        const [oursCount, nodeCount] = await Promise.all([countedDownloads(ours), countedDownloads(node)]);
        const perMb = (n: number) => n / (COUNTED_DOWNLOADS * FILE_MB) / 1e6;
        return [
          { bench: 'tls', case: `instructions per MB downloaded, callgrind (node:tls)`, value: perMb(nodeCount), unit: 'M' },
          { bench: 'tls', case: `instructions per MB downloaded, callgrind (keyport)`, value: perMb(oursCount), unit: 'M', ratio: nodeCount / oursCount, target: '>= 0.7x' },
        ];
      },
      out,
    );
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** Warm-up downloads with counting off, then counted ones; the client's count. */
async function countedDownloads(c: BenchClient): Promise<number> {
  const bytes = FILE_MB * 1024 * 1024;
  for (let i = 0; i < WARMUP_DOWNLOADS; i++) await c.download(bytes);
  for (let i = 0; i < COUNTED_DOWNLOADS; i++) await c.download(bytes, true);
  return c.instructions();
}
