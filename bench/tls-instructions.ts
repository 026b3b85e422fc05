/**
 * Bulk-download cost in CPU instructions, counted by callgrind: Keyport's TLS client against
 * node:tls, each in its own process, both downloading from ONE `openssl s_server` (not counted).
 * Wall-clock throughput on a shared 2-core machine swings from run to run; instruction counts do
 * not, and on a CPU-bound client throughput follows them. Each client is warmed up with counting
 * off, then three downloads are counted (background GC and JIT threads included). Ratio: node:tls's instructions over ours (>= 0.7x means our
 * CPU-bound throughput is at least 0.7x node:tls's). Slow (minutes), so it runs only when asked:
 * `npm run bench -- instructions`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPki } from '../test/tls/helpers/pki';
import { startOpenssl } from '../test/tls/helpers/servers';
import { BenchClient, clientSetup } from './tls-bench-client';
import type { BenchRow } from './types';

/** Runs only when the bench filter says "instructions". */
export const optIn = 'instructions';

const FILE_MB = 64;
const WARMUP_DOWNLOADS = 2;
/** Counted downloads: several, so that garbage collections fall in proportion. */
const COUNTED_DOWNLOADS = 3;

/** Runs the benchmark and returns its rows. */
export async function run(): Promise<BenchRow[]> {
  const pki = createPki();
  const out = mkdtempSync(join(tmpdir(), 'keyport-callgrind-'));
  const clients: BenchClient[] = [];
  try {
    const server = pki.issue({ name: 'localhost', kind: 'ec', usage: 'server' });
    const client = pki.issue({ name: 'bench-client', kind: 'ec', usage: 'client' });
    writeFileSync(join(pki.dir, 'big.bin'), randomBytes(FILE_MB * 1024 * 1024));
    const s = await startOpenssl(['-WWW', '-Verify', '1', '-CAfile', pki.ca.certPath, '-cert', server.certPath, '-key', server.keyPath], pki.dir);
    try {
      const ours = await BenchClient.start(clientSetup('keyport', s.port, pki, client), join(out, 'keyport.out'));
      const node = await BenchClient.start(clientSetup('node:tls', s.port, pki, client), join(out, 'node.out'));
      clients.push(ours, node);
      const [oursCount, nodeCount] = await Promise.all([countedDownloads(ours), countedDownloads(node)]);
      const perMb = (n: number) => n / (COUNTED_DOWNLOADS * FILE_MB) / 1e6;
      return [
        { bench: 'tls', case: `instructions per MB downloaded, callgrind (node:tls)`, value: perMb(nodeCount), unit: 'M' },
        { bench: 'tls', case: `instructions per MB downloaded, callgrind (keyport)`, value: perMb(oursCount), unit: 'M', ratio: nodeCount / oursCount, target: '>= 0.7x' },
      ];
    } finally {
      await s.stop();
    }
  } finally {
    for (const c of clients) c.stop();
    pki.cleanup();
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
