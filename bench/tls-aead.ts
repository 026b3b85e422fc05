/**
 * The per-record AEAD cost under every bulk figure of the TLS client, `keyport connect` and the
 * proxy: sealing and opening 16 KB TLS records with AES-128-GCM through the record layer's AEAD
 * (src/core/tls/aead.ts), on Keyport's addon (one OpenSSL context per key) and on node:crypto
 * (a new Cipheriv/Decipheriv per record, since it cannot give one a new nonce, and a zeroed
 * buffer for each output), against `openssl speed` encrypting 16 KB blocks with the same cipher
 * in C, in the same run. Not a target: it tells how much of the gap to stunnel and curl is the
 * crypto API rather than Keyport's own code.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createAead, type Aead } from '../src/core/tls/aead';
import { gcmBackend, type GcmBackend } from '../src/core/tls/native-gcm';
import { median } from './stats';
import type { BenchRow } from './types';

const RECORD = 16 * 1024;
const RECORDS = 8192;
/** Timed rounds after one untimed warm-up round (JIT). */
const ROUNDS = 5;

/** Runs the benchmark and returns its rows. */
export async function run(): Promise<BenchRow[]> {
  const openssl = opensslMicrosPerRecord();
  const what = 'AES-128-GCM, one 16 KB record, median';
  const rows: BenchRow[] = [{ bench: 'tls-aead', case: `${what} (openssl speed -evp, encrypt)`, value: openssl, unit: 'us' }];
  const addon = gcmBackend();
  if (addon.kind !== 'openssl-addon') throw new Error(`Keyport's AES-GCM addon is not in use: ${addon.reason}`);
  const backends: Array<[string, GcmBackend]> = [['keyport addon', addon], ['node:crypto', { kind: 'node:crypto', reason: 'compared' }]];
  for (const [name, backend] of backends) {
    const { seal, open } = sealAndOpen(backend);
    rows.push(
      { bench: 'tls-aead', case: `${what} (record seal on ${name}; ratio: openssl's time over ours)`, value: seal, unit: 'us', ratio: openssl / seal },
      { bench: 'tls-aead', case: `${what} (record open on ${name}; ratio: openssl's time over ours)`, value: open, unit: 'us', ratio: openssl / open },
    );
  }
  return rows;
}

/** Microseconds per record to seal and to open on one AES-GCM backend. */
function sealAndOpen(backend: GcmBackend): { seal: number; open: number } {
  const aead = createAead('aes-128-gcm', randomBytes(16), backend);
  const nonce = randomBytes(12);
  const aad = Buffer.from([23, 3, 3, 0x40, 0x11]);
  const plaintext = randomBytes(RECORD);
  const sealed = Buffer.concat(aead.seal(nonce, aad, Buffer.alloc(0), plaintext));
  return {
    seal: microsPerRecord(() => aead.seal(nonce, aad, Buffer.alloc(0), plaintext)),
    open: microsPerRecord(() => openOrThrow(aead, nonce, aad, sealed)),
  };
}

function openOrThrow(aead: Aead, nonce: Buffer, aad: Buffer, sealed: Buffer): void {
  if (!aead.open(nonce, aad, sealed)) throw new Error('the bench record failed authentication');
}

/** Median microseconds per call of `once` over ROUNDS rounds of RECORDS calls. */
function microsPerRecord(once: () => unknown): number {
  const rounds: number[] = [];
  for (let r = -1; r < ROUNDS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < RECORDS; i++) once();
    if (r >= 0) rounds.push(((performance.now() - t0) * 1000) / RECORDS);
  }
  return median(rounds);
}

/** Microseconds per 16 KB block from `openssl speed`, whose last line reads "AES-128-GCM  2804245.72k" (1000s of bytes/s). */
function opensslMicrosPerRecord(): number {
  const out = execFileSync('openssl', ['speed', '-evp', 'aes-128-gcm', '-bytes', String(RECORD), '-seconds', '2'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const match = /^AES-128-GCM\s+([\d.]+)k\s*$/m.exec(out);
  if (!match) throw new Error(`no AES-128-GCM figure in openssl speed's output: ${out.slice(-300)}`);
  return (RECORD / (Number(match[1]) * 1000)) * 1e6;
}
