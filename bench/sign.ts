/**
 * Sign latency per backend through the token host, and what the host's RPC adds per sign compared
 * with the same PKCS#11 code run in-process (target: at most 0.3 ms added). The keychain row is an
 * in-memory node:crypto sign, since the keychain signer holds its key in memory while signing.
 */
import { generateKeyPairSync } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Pkcs11KeyStore } from '../src/core/keystores/pkcs11';
import { InProcessPkcs11 } from '../src/core/keystores/pkcs11/in-process';
import { memorySigner } from '../src/core/keystores/memory-signer';
import type { KeyAlgorithm, KeyRef, SignatureScheme, Signer } from '../src/core/keystores/types';
import { TokenHostClient } from '../src/core/tokenhost/client';
import { startSoftHsm, type SoftHsm } from '../test/testbed/softhsm';
import { startTpm } from '../test/testbed/tpm';
import type { BenchRow } from './types';

const SOFTHSM_ITERATIONS = 3_000;
const TPM_ITERATIONS = 300;
const WARMUP = 50;
const DATA = Buffer.alloc(130, 0x20); // about the size of a TLS 1.3 CertificateVerify input

/** What the bench needs of a test-bed token (SoftHSM2 or TPM). */
type TokenBackend = Pick<SoftHsm, 'module' | 'tokenLabel' | 'pin' | 'env'>;

interface Stats {
  median: number;
  p95: number;
}

/** Runs the benchmark and returns its rows. */
export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const softhsm = await startSoftHsm();
  try {
    rows.push(...(await softhsmRows(softhsm)));
  } finally {
    await softhsm.stop();
  }
  const tpm = await startTpm();
  try {
    const host = new TokenHostClient({ env: { ...process.env, ...tpm.env } });
    try {
      const { signer } = await tokenSigner(host, tpm, 'EC-P256');
      rows.push(...statRows('TPM EC P-256 via token host', await measure(signer, 'ecdsa_secp256r1_sha256', TPM_ITERATIONS)));
    } finally {
      await host.close();
    }
  } finally {
    await tpm.stop();
  }
  const keychain = memorySigner(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
  rows.push(...statRows('keychain EC P-256 (in-memory node:crypto)', await measure(keychain, 'ecdsa_secp256r1_sha256', SOFTHSM_ITERATIONS)));
  return rows;
}

/** SoftHSM through the host and in-process, with the overhead the host adds. */
async function softhsmRows(tok: TokenBackend): Promise<BenchRow[]> {
  const host = new TokenHostClient({ env: { ...process.env, ...tok.env } });
  // The in-process baseline loads SoftHSM here, so it needs the token's config in this process.
  const savedConf = process.env.SOFTHSM2_CONF;
  Object.assign(process.env, tok.env);
  const local = new InProcessPkcs11();
  const rows: BenchRow[] = [];
  try {
    const cases: Array<[string, KeyAlgorithm, SignatureScheme]> = [
      ['SoftHSM EC P-256', 'EC-P256', 'ecdsa_secp256r1_sha256'],
      ['SoftHSM RSA-2048 PSS', 'RSA-2048', 'rsa_pss_rsae_sha256'],
    ];
    for (const [name, algorithm, scheme] of cases) {
      const { signer: viaHost, ref } = await tokenSigner(host, tok, algorithm);
      const inProcess = await new Pkcs11KeyStore({ host: local, modules: [tok.module], pin: async () => tok.pin }).signer(ref);
      const [remote, direct] = await alternate(viaHost, inProcess, scheme, SOFTHSM_ITERATIONS);
      const overhead = remote.median - direct.median;
      rows.push(...statRows(`${name} via token host`, remote));
      rows.push(...statRows(`${name} in-process pkcs11js`, direct));
      rows.push({
        bench: 'sign',
        case: `${name} RPC overhead per sign (median)`,
        value: overhead,
        unit: 'ms',
        ratio: remote.median / direct.median,
        target: '<= 0.3 ms',
      });
      process.stderr.write(`sign: ${name}: token host adds ${overhead.toFixed(3)} ms per sign (${(remote.median / direct.median).toFixed(2)}x)\n`);
    }
  } finally {
    local.close();
    await host.close();
    if (savedConf === undefined) delete process.env.SOFTHSM2_CONF;
    else process.env.SOFTHSM2_CONF = savedConf;
  }
  return rows;
}

/** A signer for a fresh key generated on the token through `host`. */
async function tokenSigner(host: TokenHostClient, tok: TokenBackend, algorithm: KeyAlgorithm): Promise<{ signer: Signer; ref: KeyRef }> {
  const store = new Pkcs11KeyStore({ host, modules: [tok.module], pin: async () => tok.pin });
  const key = await store.generate(algorithm, { label: `bench ${algorithm}`, token: tok.tokenLabel });
  return { signer: await store.signer(key.ref), ref: key.ref };
}

/** Measures two signers in alternating rounds so machine noise hits both alike. */
async function alternate(a: Signer, b: Signer, scheme: SignatureScheme, iterations: number): Promise<[Stats, Stats]> {
  const round = 250;
  const timesA: number[] = [];
  const timesB: number[] = [];
  await sample(a, scheme, WARMUP);
  await sample(b, scheme, WARMUP);
  for (let done = 0; done < iterations; done += round) {
    timesA.push(...(await sample(a, scheme, round)));
    timesB.push(...(await sample(b, scheme, round)));
  }
  return [stats(timesA), stats(timesB)];
}

async function measure(signer: Signer, scheme: SignatureScheme, iterations: number): Promise<Stats> {
  await sample(signer, scheme, WARMUP);
  return stats(await sample(signer, scheme, iterations));
}

async function sample(signer: Signer, scheme: SignatureScheme, n: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await signer.sign(scheme, DATA);
    times.push(performance.now() - start);
  }
  return times;
}

function stats(times: number[]): Stats {
  const sorted = [...times].sort((x, y) => x - y);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return { median: at(0.5), p95: at(0.95) };
}

function statRows(name: string, s: Stats): BenchRow[] {
  return [
    { bench: 'sign', case: `${name} median`, value: s.median, unit: 'ms' },
    { bench: 'sign', case: `${name} p95`, value: s.p95, unit: 'ms' },
  ];
}
