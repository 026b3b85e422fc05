/**
 * Token keys over mTLS 1.3 against ONE `openssl s_server` (issue 5):
 * 1. Full handshake latency, Keyport (signing through the token host) vs node:tls signing with the
 *    SAME token key through OpenSSL's pkcs11 engine, for a SoftHSM EC key and a TPM EC key.
 *    Target as in bench/tls.ts: at most 1.5x the peer.
 * 2. Keyport with the TPM key: resumed (TLS 1.3 ticket, SessionCache) vs full handshakes. A resumed
 *    handshake must not sign: the bench fails if the signer is called or a handshake is not resumed.
 * Both sides run in alternating batches so machine noise hits them alike; each handshake is
 * followed, untimed, by one HTTP request that must succeed, so a refused certificate cannot look fast.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { connect, SessionCache, sessionKey, type ConnectOptions, type KeyportTlsSocket } from '../src/core/tls';
import { createTestCa, type TestCa } from '../test/testbed/ca';
import { tempDir } from '../test/testbed/proc';
import { startSoftHsm } from '../test/testbed/softhsm';
import { startTpm } from '../test/testbed/tpm';
import { startOpenssl, type OpensslServer } from '../test/tls/helpers/servers';
import { enginePeerNode, startEnginePeer } from './peers/engine-peer';
import { nodeVersion } from './node-runtime';
import { makeTokenIdentity, type TokenBackend, type TokenIdentity } from './peers/token-identity';
import type { BenchRow } from './types';

/** Timed handshakes per side; the TPM signs in ~5 ms, SoftHSM in ~0.06 ms. */
const HANDSHAKES = { softhsm: 60, tpm: 40 };
const BATCH = 10;
const WARMUP = 3;
const PAGE = '/hello.txt';

/** One side of a comparison: `count` handshakes, their times in ms. */
type Batch = (count: number) => Promise<number[]>;

interface Fixture {
  ca: TestCa;
  rootPem: string;
  server: OpensslServer;
  dir: string;
}

/** Runs the benchmark and returns its rows. */
export async function run(): Promise<BenchRow[]> {
  const dir = await tempDir('bench-tls-tokens');
  const stops: Array<() => Promise<void>> = [() => dir.remove()];
  try {
    const ca = await createTestCa({ ec: true });
    stops.push(() => ca.stop());
    const serverCert = await ca.issueServer({ sans: ['DNS:localhost', 'IP:127.0.0.1'], ec: true });
    await writeFile(join(dir.path, PAGE), 'hello\n');
    const server = await startOpenssl(
      ['-WWW', '-Verify', '1', '-CAfile', ca.rootFile, '-cert', serverCert.certFile, '-key', serverCert.keyFile, '-cert_chain', ca.intermediateFile],
      dir.path,
    );
    stops.push(() => server.stop());
    const [softhsm, tpm] = await Promise.all([startSoftHsm({ label: 'bench-hsm' }), startTpm({ label: 'bench-tpm' })]);
    stops.push(() => softhsm.stop(), () => tpm.stop());
    const fx: Fixture = { ca, rootPem: ca.rootPem, server, dir: dir.path };
    const rows: BenchRow[] = [];
    rows.push(...(await tokenRows(fx, 'SoftHSM EC P-256', softhsm, HANDSHAKES.softhsm)));
    rows.push(...(await tokenRows(fx, 'TPM EC P-256', tpm, HANDSHAKES.tpm, resumptionRows)));
    return rows;
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}

/** Says which Node the engine peer ran on when it is not this one. */
function peerNote(): string {
  const peer = enginePeerNode();
  return peer === process.execPath ? '' : `, on Node ${nodeVersion(peer)}`;
}

/** Keyport vs node:tls + pkcs11 engine with one key on `token`; `more` adds rows with the same identity. */
async function tokenRows(
  fx: Fixture,
  name: string,
  token: TokenBackend,
  count: number,
  more?: (fx: Fixture, name: string, id: TokenIdentity, count: number) => Promise<BenchRow[]>,
): Promise<BenchRow[]> {
  const id = await makeTokenIdentity(token, fx.ca, `bench ${name}`);
  try {
    const peer = await startEnginePeer(
      { ...token, keyId: id.keyId },
      { port: fx.server.port, servername: 'localhost', caPem: fx.rootPem, chainPem: id.chainPem, path: PAGE },
      fx.dir,
    );
    let ours: number[];
    let theirs: number[];
    try {
      [ours, theirs] = await alternate(keyportBatch(fx, id), (n) => peer.measure(n), count);
    } finally {
      await peer.stop();
    }
    const [k, p] = [median(ours), median(theirs)];
    process.stderr.write(`tls-tokens: ${name}: keyport ${k.toFixed(2)} ms, node:tls + engine ${p.toFixed(2)} ms\n`);
    const rows: BenchRow[] = [
      { bench: 'tls-tokens', case: `${name} mTLS 1.3 handshake, median (node:tls + pkcs11 engine${peerNote()})`, value: p, unit: 'ms' },
      { bench: 'tls-tokens', case: `${name} mTLS 1.3 handshake, median (keyport)`, value: k, unit: 'ms', ratio: k / p },
    ];
    if (more) rows.push(...(await more(fx, name, id, count)));
    return rows;
  } finally {
    await id.host.close();
  }
}

/** Keyport full vs resumed handshakes with one identity; fails if resuming signs or does not resume. */
async function resumptionRows(fx: Fixture, name: string, id: TokenIdentity, count: number): Promise<BenchRow[]> {
  const cache = new SessionCache();
  const resumed = keyportBatch(fx, id, cache);
  await resumed(1); // a full handshake that leaves a ticket in the cache
  const signsBefore = id.signer.calls;
  let fullSigns = 0;
  const full: Batch = async (n) => {
    const before = id.signer.calls;
    const times = await keyportBatch(fx, id)(n);
    fullSigns += id.signer.calls - before;
    return times;
  };
  const [fullTimes, resumedTimes] = await alternate(full, resumed, count);
  const resumedSigns = id.signer.calls - signsBefore - fullSigns;
  if (resumedSigns !== 0) throw new Error(`${name}: resumed handshakes called the signer ${resumedSigns} times`);
  const [f, r] = [median(fullTimes), median(resumedTimes)];
  process.stderr.write(`tls-tokens: ${name}: keyport full ${f.toFixed(2)} ms, resumed ${r.toFixed(2)} ms, ${fullSigns} signs in full, 0 in resumed\n`);
  return [
    { bench: 'tls-tokens', case: `${name} keyport full handshake, median`, value: f, unit: 'ms' },
    { bench: 'tls-tokens', case: `${name} keyport resumed handshake, median`, value: r, unit: 'ms', ratio: r / f, target: '< 1x' },
    { bench: 'tls-tokens', case: `${name} signs in ${resumedTimes.length} resumed handshakes`, value: resumedSigns, unit: 'signs', target: '0' },
  ];
}

/**
 * Keyport handshakes with `id`; with `cache`, each one must resume from a ticket and the untimed
 * request afterwards collects the server's next ticket.
 */
function keyportBatch(fx: Fixture, id: TokenIdentity, cache?: SessionCache): Batch {
  const opts: ConnectOptions = {
    host: '127.0.0.1',
    port: fx.server.port,
    servername: 'localhost',
    ca: [Buffer.from(fx.rootPem)],
    signer: id.signer,
    chain: id.chain,
    ...(cache ? { sessionCache: cache } : {}),
  };
  const key = sessionKey(opts.host, opts.port, 'localhost', id.chain[0]);
  return async (count) => {
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      const hadTicket = cache !== undefined && cache.count(key) > 0;
      const t0 = performance.now();
      const sock = await connect(opts);
      times.push(performance.now() - t0);
      if (cache && hadTicket && !sock.tlsInfo.resumed) throw new Error('keyport: a handshake with a ticket in the cache was not resumed');
      await fetchPage(sock);
    }
    return times;
  };
}

/** One HTTP/1.0 request over `sock`; the server must answer 200. Reading it also takes in tickets. */
async function fetchPage(sock: KeyportTlsSocket): Promise<void> {
  const page = await new Promise<string>((resolve, reject) => {
    let text = '';
    sock.on('data', (d: Buffer) => (text += d.toString('latin1')));
    sock.once('end', () => resolve(text));
    sock.once('error', reject);
    sock.write(`GET ${PAGE} HTTP/1.0\r\n\r\n`);
  });
  sock.destroy();
  if (!page.startsWith('HTTP/1.0 200')) throw new Error(`keyport: the server did not answer 200: ${page.slice(0, 80)}`);
}

/** Warms both sides up, then runs them in alternating batches of BATCH until each did `count`. */
async function alternate(a: Batch, b: Batch, count: number): Promise<[number[], number[]]> {
  await a(WARMUP);
  await b(WARMUP);
  const timesA: number[] = [];
  const timesB: number[] = [];
  for (let done = 0; done < count; done += BATCH) {
    const n = Math.min(BATCH, count - done);
    timesA.push(...(await a(n)));
    timesB.push(...(await b(n)));
  }
  return [timesA, timesB];
}

function median(times: number[]): number {
  const sorted = [...times].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}
