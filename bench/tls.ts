/**
 * The signing TLS client against node:tls, both talking to ONE `openssl s_server` with the same
 * in-memory client key: full mTLS handshake latency (median) and bulk download throughput.
 * Targets: latency at most 1.5x node:tls, throughput at least 0.7x. Both sides are warmed up first
 * (a long-lived client such as the proxy runs warm; a cold one-off `keyport connect` is slower).
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { connect as nodeConnect } from 'node:tls';
import type { Duplex } from 'node:stream';
import { memorySigner } from '../src/core/keystores/memory-signer';
import { connect } from '../src/core/tls';
import { createPki } from '../test/tls/helpers/pki';
import { startOpenssl } from '../test/tls/helpers/servers';
import type { BenchRow } from './types';

const HANDSHAKES = 60;
const WARMUP = 5;
const FILE_MB = 64;
/** Timed downloads per side, alternating sides, after one untimed warm-up each (JIT and buffers). */
const DOWNLOADS = 4;

/** Runs the benchmark and returns its rows. */
export async function run(): Promise<BenchRow[]> {
  const pki = createPki();
  try {
    const server = pki.issue({ name: 'localhost', kind: 'ec', usage: 'server' });
    const client = pki.issue({ name: 'bench-client', kind: 'ec', usage: 'client' });
    writeFileSync(join(pki.dir, 'big.bin'), randomBytes(FILE_MB * 1024 * 1024));
    const s = await startOpenssl(['-WWW', '-Verify', '1', '-CAfile', pki.ca.certPath, '-cert', server.certPath, '-key', server.keyPath], pki.dir);
    try {
      const signer = memorySigner(client.key);
      const ours = (): Promise<Duplex> =>
        connect({ host: '127.0.0.1', port: s.port, servername: 'localhost', ca: [pki.ca.certPem], signer, chain: [client.certDer] });
      const node = (): Promise<Duplex> =>
        new Promise((resolve, reject) => {
          const sock = nodeConnect({ host: '127.0.0.1', port: s.port, servername: 'localhost', ca: pki.ca.certPem, cert: client.certPem, key: client.keyPem });
          sock.once('secureConnect', () => resolve(sock));
          sock.once('error', reject);
        });
      const oursHs = await handshakes(ours);
      const nodeHs = await handshakes(node);
      const [oursRate, nodeRate] = await alternatingDownloads(ours, node);
      return [
        { bench: 'tls', case: 'mTLS 1.3 handshake, median (node:tls)', value: nodeHs.median, unit: 'ms' },
        { bench: 'tls', case: 'mTLS 1.3 handshake, median (keyport)', value: oursHs.median, unit: 'ms', ratio: oursHs.median / nodeHs.median, target: '<= 1.5x' },
        { bench: 'tls', case: 'mTLS 1.3 handshakes per second, one at a time (node:tls)', value: nodeHs.perSecond, unit: '/s' },
        { bench: 'tls', case: 'mTLS 1.3 handshakes per second, one at a time (keyport)', value: oursHs.perSecond, unit: '/s', ratio: oursHs.perSecond / nodeHs.perSecond },
        { bench: 'tls', case: `download ${FILE_MB} MB (node:tls)`, value: nodeRate, unit: 'MB/s' },
        { bench: 'tls', case: `download ${FILE_MB} MB (keyport)`, value: oursRate, unit: 'MB/s', ratio: oursRate / nodeRate, target: '>= 0.7x' },
      ];
    } finally {
      await s.stop();
    }
  } finally {
    pki.cleanup();
  }
}

/** Median handshake time and the rate of handshakes done one after another, after a warm-up. */
async function handshakes(open: () => Promise<Duplex>): Promise<{ median: number; perSecond: number }> {
  const times: number[] = [];
  for (let i = 0; i < WARMUP + HANDSHAKES; i++) {
    const t0 = performance.now();
    const sock = await open();
    const ms = performance.now() - t0;
    if (i >= WARMUP) times.push(ms);
    sock.destroy();
  }
  const total = times.reduce((a, b) => a + b, 0);
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)] as number, perSecond: (1000 * HANDSHAKES) / total };
}

/** Best download rate of each side in MB/s, sides alternating so machine noise hits both alike. */
async function alternatingDownloads(a: () => Promise<Duplex>, b: () => Promise<Duplex>): Promise<[number, number]> {
  await download(a);
  await download(b);
  const best: [number, number] = [0, 0];
  for (let i = 0; i < DOWNLOADS; i++) {
    best[0] = Math.max(best[0], await download(a));
    best[1] = Math.max(best[1], await download(b));
  }
  return best;
}

/** One download of the file, in MB/s. */
async function download(open: () => Promise<Duplex>): Promise<number> {
  const sock = await open();
  const t0 = performance.now();
  let bytes = 0;
  await new Promise<void>((resolve, reject) => {
    sock.on('data', (d: Buffer) => (bytes += d.length));
    sock.once('end', resolve);
    sock.once('error', reject);
    sock.write('GET /big.bin HTTP/1.0\r\n\r\n');
  });
  sock.destroy();
  if (bytes < FILE_MB * 1024 * 1024) throw new Error(`download short: ${bytes} bytes`);
  return bytes / 1024 / 1024 / ((performance.now() - t0) / 1000);
}
