/**
 * The local proxy (issue 10), `keyport proxy` driven as a process through its CLI, with a TPM
 * identity (bench/proxy-fixture.ts). Every figure is a ratio against a peer in the same run:
 * 1. Bulk download through a route against stunnel4 in client mode (same suite, its key a file),
 *    a relay on node:tls (Node's own TLS, key file: what any Node proxy pays here), and node:tls
 *    downloading straight from the upstream (no proxy), after untimed warm-up turns; each client
 *    runs in a process of its own, taking turns; ratios are medians of per-turn ratios. Target: >= 1.0x
 *    stunnel (the minimum is 0.8x). Also each proxy's CPU time per MB (/proc), steadier than
 *    wall-clock throughput on a busy machine.
 * 2. New connections per second through a route, each with one HTTP request answered: resumed
 *    (TLS 1.3 tickets) against full handshakes (an upstream without tickets), in alternating
 *    batches, after untimed warm-up connections of each kind (a proxy runs long: its handshake
 *    code is JIT-compiled by then). Target: >= 10x. The proxy's /status must show the handshakes were what they claim.
 *    stunnel's and the node:tls relay's resumed connections (key files) are the floor of C and of Node here,
 *    in wall time and in each proxy's CPU time per connection (/proc; steadier on a busy machine).
 * 3. Latency added per request (64-byte echo round trip on an open connection) by each proxy over
 *    a direct node:tls connection to the same Go echo server, p50 and p99, after 3,000 untimed
 *    round trips on each connection; and the p99 of Keyport's first 1,600 (cold).
 * 4. Many small messages: 50 connections at once, each sending 64 bytes and waiting for their echo
 *    (no pipelining, as a Redis or database client without it), messages per second through each
 *    proxy in alternating turns, and each proxy's CPU time per message. The clients share one Node
 *    process with the bench, so the figure is also bound by the client: the CPU rows are steadier.
 * KEYPORT_BENCH_PROFILE=DIR writes the Keyport proxy's CPU profile to DIR.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { connect as tlsConnect } from 'node:tls';
import { startProxyFixture, type ProxyFixture } from './proxy-fixture';
import { median, percentile, processCpuSeconds } from './stats';
import { BenchClient } from './tls-bench-client';
import type { ClientSetup } from './tls-client.mjs';
import type { BenchRow } from './types';

const BULK_MB = 128;
/** Nine timed turns: with five, one run's median of the ratio swung by ±0.1 on this 2-core bed. */
const BULK_TURNS = 9;
/**
 * Untimed turns first: a proxy runs long, and a fresh one moves its first few hundred MB at about
 * half speed (its heap grows into fresh pages: 135 page faults per MB in the first 128 MB, under 1
 * from the third; the JIT settles). The first turn is reported apart, as the cold figure.
 */
const BULK_WARMUP_TURNS = 4;
/** `warmup` connections of each kind run untimed first: a proxy runs long, so its handshake code is JIT-compiled. */
const CONNECTIONS = { full: 40, resumed: 200, batches: 4, warmup: { full: 10, resumed: 200 } };
/**
 * Eight batches: each of the four sockets starts two of them. Untimed round trips first, since a
 * proxy runs long: with 100 of them V8 was still compiling the small-record path of Keyport's
 * proxy during the timed ones (60 functions finished TurboFan compiles there, --trace-opt: up to
 * 26 ms of a compile thread each, on two cores), and that was its p99; with 3,000, a handful. The
 * first `rounds` of the warm-up give the cold p99.
 */
const ECHO = { rounds: 1600, warmup: 3000, batches: 8, bytes: 64 };
/** 50 connections × 400 round trips per turn, after one untimed turn of each proxy. */
const MESSAGES = { connections: 50, rounds: 400, turns: 5 };

/** Runs the benchmark and returns its rows. */
export async function run(): Promise<BenchRow[]> {
  const stops: Array<() => Promise<unknown>> = [];
  try {
    const fx = await startProxyFixture(BULK_MB, stops, process.env.KEYPORT_BENCH_PROFILE);
    return [...(await bulkRows(fx, stops)), ...(await connectionRows(fx)), ...(await latencyRows(fx)), ...(await messageRows(fx))];
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}

async function bulkRows(fx: ProxyFixture, stops: Array<() => Promise<unknown>>): Promise<BenchRow[]> {
  const setup = (kind: ClientSetup['kind'], port: number): ClientSetup => ({
    kind,
    port,
    servername: 'localhost',
    caPem: fx.ca.rootPem,
    certPem: fx.client.chainPem,
    certDer: '',
    keyPem: fx.client.keyPem,
  });
  const clients = {
    keyport: await BenchClient.start(setup('tcp', fx.keyport.bulk)),
    stunnel: await BenchClient.start(setup('tcp', fx.stunnel.bulk)),
    relay: await BenchClient.start(setup('tcp', fx.relay.bulk)),
    direct: await BenchClient.start(setup('node:tls', fx.www.port)),
  };
  stops.push(async () => Object.values(clients).forEach((c) => c.stop()));
  const bytes = BULK_MB * 1024 * 1024;
  const mbps: Record<keyof typeof clients, number[]> = { keyport: [], stunnel: [], relay: [], direct: [] };
  const cpu = { keyport: [] as number[], stunnel: [] as number[], relay: [] as number[] };
  const pids = { keyport: fx.proxy.pid, stunnel: fx.stunnelProc.pid, relay: fx.relayProc.pid };
  const cold: Partial<Record<keyof typeof clients, number>> = {};
  for (let turn = -BULK_WARMUP_TURNS; turn < BULK_TURNS; turn++) {
    for (const [name, c] of Object.entries(clients) as Array<[keyof typeof clients, BenchClient]>) {
      const pid = name === 'direct' ? undefined : pids[name];
      const cpu0 = pid ? processCpuSeconds(pid) : 0;
      const v = await c.download(bytes);
      if (turn === -BULK_WARMUP_TURNS) cold[name] = v;
      if (turn < 0) continue;
      mbps[name].push(v);
      if (pid && name !== 'direct') cpu[name].push(((processCpuSeconds(pid) - cpu0) * 1000) / BULK_MB);
    }
  }
  const ratio = (peer: number[]) => median(mbps.keyport.map((v, i) => v / (peer[i] as number)));
  const what = `download ${BULK_MB} MB through the proxy, median`;
  const perMb = 'CPU of the proxy process per MB downloaded, median';
  return [
    { bench: 'proxy', case: `${what} (stunnel4 client mode, key file)`, value: median(mbps.stunnel), unit: 'MB/s' },
    { bench: 'proxy', case: `download ${BULK_MB} MB direct, no proxy, median (node:tls)`, value: median(mbps.direct), unit: 'MB/s' },
    { bench: 'proxy', case: `${what} (keyport route, TPM key; ratio vs stunnel, median of ${BULK_TURNS} turns)`, value: median(mbps.keyport), unit: 'MB/s', ratio: ratio(mbps.stunnel), target: '>= 1.0x' },
    { bench: 'proxy', case: `download ${BULK_MB} MB through the proxy, first turn, cold (keyport route; ratio vs stunnel's first turn)`, value: cold.keyport ?? 0, unit: 'MB/s', ratio: (cold.keyport ?? 0) / (cold.stunnel ?? 1) },
    { bench: 'proxy', case: `${what} (keyport route; ratio vs direct node:tls)`, value: median(mbps.keyport), unit: 'MB/s', ratio: ratio(mbps.direct) },
    { bench: 'proxy', case: `${what} (node:tls relay, key file; ratio: keyport's over it)`, value: median(mbps.relay), unit: 'MB/s', ratio: ratio(mbps.relay) },
    { bench: 'proxy', case: `${perMb} (stunnel4)`, value: median(cpu.stunnel), unit: 'ms' },
    { bench: 'proxy', case: `${perMb} (node:tls relay)`, value: median(cpu.relay), unit: 'ms' },
    { bench: 'proxy', case: `${perMb} (keyport; ratio: stunnel's over ours)`, value: median(cpu.keyport), unit: 'ms', ratio: median(cpu.stunnel) / median(cpu.keyport) },
  ];
}

async function connectionRows(fx: ProxyFixture): Promise<BenchRow[]> {
  const full: number[] = [];
  const resumed: number[] = [];
  const stunnel: number[] = [];
  const relay: number[] = [];
  // The first resumed-route connection is full: it gets the ticket.
  await connections(fx.keyport.tpmFull, CONNECTIONS.warmup.full);
  await connections(fx.keyport.tpmResumed, CONNECTIONS.warmup.resumed);
  await connections(fx.stunnel.conn, CONNECTIONS.warmup.resumed);
  await connections(fx.relay.conn, CONNECTIONS.warmup.resumed);
  // Each proxy's CPU time per resumed connection (/proc, all its threads): steadier than wall time here.
  const cpu = { keyport: [] as number[], stunnel: [] as number[], relay: [] as number[] };
  const resumedBatch = async (name: keyof typeof cpu, pid: number, port: number): Promise<number[]> => {
    const cpu0 = processCpuSeconds(pid);
    const times = await connections(port, CONNECTIONS.resumed / CONNECTIONS.batches);
    cpu[name].push(((processCpuSeconds(pid) - cpu0) * 1000) / times.length);
    return times;
  };
  const before = await routeStatus(fx);
  for (let b = 0; b < CONNECTIONS.batches; b++) {
    full.push(...(await connections(fx.keyport.tpmFull, CONNECTIONS.full / CONNECTIONS.batches)));
    resumed.push(...(await resumedBatch('keyport', fx.proxy.pid, fx.keyport.tpmResumed)));
    stunnel.push(...(await resumedBatch('stunnel', fx.stunnelProc.pid, fx.stunnel.conn)));
    relay.push(...(await resumedBatch('relay', fx.relayProc.pid, fx.relay.conn)));
  }
  const after = await routeStatus(fx);
  const delta = (port: number, key: 'handshakesFull' | 'handshakesResumed') => (after.get(port)?.[key] ?? 0) - (before.get(port)?.[key] ?? 0);
  if (delta(fx.keyport.tpmFull, 'handshakesFull') !== CONNECTIONS.full || delta(fx.keyport.tpmResumed, 'handshakesResumed') !== CONNECTIONS.resumed) {
    throw new Error(`the proxy's handshakes were not what the bench measured: ${JSON.stringify([...after.values()])}`);
  }
  const perSecond = (ms: number[]) => (1000 * ms.length) / ms.reduce((a, b) => a + b, 0);
  const what = 'new connections per second through a route, one request each, TPM EC P-256 key';
  const perConn = 'CPU of the proxy process per resumed connection, median of batches';
  return [
    { bench: 'proxy', case: `${what} (full handshakes)`, value: perSecond(full), unit: '/s' },
    { bench: 'proxy', case: `${what} (resumed, TLS 1.3 tickets)`, value: perSecond(resumed), unit: '/s', ratio: perSecond(resumed) / perSecond(full), target: '>= 10x' },
    { bench: 'proxy', case: 'new connections per second through stunnel4, one request each (key file; it resumes too)', value: perSecond(stunnel), unit: '/s' },
    { bench: 'proxy', case: 'connection through a route, full handshake, median', value: median(full), unit: 'ms' },
    { bench: 'proxy', case: 'connection through a route, resumed, median (ratio vs stunnel4)', value: median(resumed), unit: 'ms', ratio: median(resumed) / median(stunnel) },
    { bench: 'proxy', case: 'connection through stunnel4, resumed, median', value: median(stunnel), unit: 'ms' },
    { bench: 'proxy', case: 'connection through the node:tls relay, resumed, median (ratio: keyport over it)', value: median(relay), unit: 'ms', ratio: median(resumed) / median(relay) },
    { bench: 'proxy', case: `${perConn} (stunnel4)`, value: median(cpu.stunnel), unit: 'ms' },
    { bench: 'proxy', case: `${perConn} (node:tls relay)`, value: median(cpu.relay), unit: 'ms' },
    { bench: 'proxy', case: `${perConn} (keyport; ratio: the relay's over ours)`, value: median(cpu.keyport), unit: 'ms', ratio: median(cpu.relay) / median(cpu.keyport) },
  ];
}

/** `count` connections one after another, each with one request read to its end; their times in ms. */
async function connections(port: number, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await requestOver(port);
    times.push(performance.now() - t0);
  }
  return times;
}

/** One plain HTTP request for nginx's /whoami through a proxy; rejects unless nginx verified our certificate. */
function requestOver(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = netConnect({ host: '127.0.0.1', port });
    let got = '';
    sock.on('data', (d: Buffer) => (got += d.toString('latin1')));
    sock.once('error', reject);
    sock.once('end', () => (got.includes('"verify":"SUCCESS"') ? resolve() : reject(new Error(`no /whoami through 127.0.0.1:${port}: ${JSON.stringify(got.slice(0, 300))}`))));
    sock.write('GET /whoami HTTP/1.0\r\nHost: localhost\r\n\r\n');
  });
}

/** Per-route counters from Keyport's /status, by listening port. */
async function routeStatus(fx: ProxyFixture): Promise<Map<number, { handshakesFull: number; handshakesResumed: number }>> {
  const status = (await (await fetch(`${fx.statusUrl}/status`)).json()) as { routes: Array<{ listen: string; handshakesFull: number; handshakesResumed: number }> };
  return new Map(status.routes.map((r) => [Number(r.listen.split(':').at(-1)), r]));
}

async function latencyRows(fx: ProxyFixture): Promise<BenchRow[]> {
  const sockets = {
    direct: await directEcho(fx),
    keyport: await plainEcho(fx.keyport.echo),
    stunnel: await plainEcho(fx.stunnel.echo),
    relay: await plainEcho(fx.relay.echo),
  };
  try {
    const rtt: Record<keyof typeof sockets, number[]> = { direct: [], keyport: [], stunnel: [], relay: [] };
    const entries = Object.entries(sockets) as Array<[keyof typeof sockets, Socket]>;
    let coldKeyport: number[] = [];
    for (const [name, s] of entries) {
      const warmup = await roundTrips(s, ECHO.warmup);
      if (name === 'keyport') coldKeyport = warmup.slice(0, ECHO.rounds);
    }
    // Each batch starts with the next socket: whoever goes first after a pause takes the machine's
    // hiccups (a fixed order gave the tail to one proxy; reversed, it moved to another).
    for (let b = 0; b < ECHO.batches; b++) {
      for (const [name, s] of [...entries.slice(b % entries.length), ...entries.slice(0, b % entries.length)]) rtt[name].push(...(await roundTrips(s, ECHO.rounds / ECHO.batches)));
    }
    const rows: BenchRow[] = [];
    for (const p of [50, 99]) {
      const direct = percentile(rtt.direct, p);
      rows.push({ bench: 'proxy', case: `echo ${ECHO.bytes} B round trip, p${p} (direct node:tls)`, value: direct * 1000, unit: 'us' });
      for (const name of ['stunnel', 'relay', 'keyport'] as const) {
        const v = percentile(rtt[name], p);
        rows.push({ bench: 'proxy', case: `latency added per request by the proxy, p${p} (${name === 'relay' ? 'node:tls relay' : name}; ratio: round trip over direct)`, value: (v - direct) * 1000, unit: 'us', ratio: v / direct });
      }
    }
    const coldP99 = percentile(coldKeyport, 99);
    rows.push({ bench: 'proxy', case: `echo round trip through a route, p99 of its first ${ECHO.rounds}, cold (keyport; ratio: over its warm p99)`, value: coldP99 * 1000, unit: 'us', ratio: coldP99 / percentile(rtt.keyport, 99) });
    return rows;
  } finally {
    Object.values(sockets).forEach((s) => s.destroy());
  }
}

/** Round trips of ECHO.bytes on an open echo connection; their times in ms. */
async function roundTrips(sock: Socket, count: number): Promise<number[]> {
  const message = Buffer.alloc(ECHO.bytes, 0x61);
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await new Promise<void>((resolve, reject) => {
      let got = 0;
      const onData = (d: Buffer) => {
        got += d.length;
        if (got < ECHO.bytes) return;
        sock.off('data', onData);
        sock.off('error', reject);
        resolve();
      };
      sock.on('data', onData);
      sock.once('error', reject);
      sock.write(message);
    });
    times.push(performance.now() - t0);
  }
  return times;
}

function plainEcho(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = netConnect({ host: '127.0.0.1', port, noDelay: true });
    sock.once('connect', () => resolve(sock));
    sock.once('error', reject);
  });
}

function directEcho(fx: ProxyFixture): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = tlsConnect({ host: '127.0.0.1', port: fx.echo.port, servername: 'localhost', ca: fx.ca.rootPem, cert: fx.client.chainPem, key: fx.client.keyPem });
    sock.setNoDelay(true);
    sock.once('secureConnect', () => resolve(sock));
    sock.once('error', reject);
  });
}

async function messageRows(fx: ProxyFixture): Promise<BenchRow[]> {
  const proxies = { keyport: [fx.keyport.echo, fx.proxy.pid], stunnel: [fx.stunnel.echo, fx.stunnelProc.pid], relay: [fx.relay.echo, fx.relayProc.pid] } as const;
  const sockets = Object.fromEntries(
    await Promise.all(Object.entries(proxies).map(async ([name, [port]]) => [name, await Promise.all(Array.from({ length: MESSAGES.connections }, () => plainEcho(port)))] as const)),
  ) as Record<keyof typeof proxies, Socket[]>;
  try {
    const rate: Record<keyof typeof proxies, number[]> = { keyport: [], stunnel: [], relay: [] };
    const cpu: Record<keyof typeof proxies, number[]> = { keyport: [], stunnel: [], relay: [] };
    for (let turn = -1; turn < MESSAGES.turns; turn++) {
      for (const name of Object.keys(proxies) as Array<keyof typeof proxies>) {
        const cpu0 = processCpuSeconds(proxies[name][1]);
        const t0 = performance.now();
        await Promise.all(sockets[name].map((s) => roundTrips(s, MESSAGES.rounds)));
        const count = MESSAGES.connections * MESSAGES.rounds;
        if (turn < 0) continue;
        rate[name].push((1000 * count) / (performance.now() - t0));
        cpu[name].push(((processCpuSeconds(proxies[name][1]) - cpu0) * 1e6) / count);
      }
    }
    const ratio = (peer: number[]) => median(rate.keyport.map((v, i) => v / (peer[i] as number)));
    const what = `${MESSAGES.connections} connections, ${ECHO.bytes} B messages each waiting for its echo, messages per second, median of ${MESSAGES.turns} turns`;
    const perMessage = 'CPU of the proxy process per message and its echo, median';
    return [
      { bench: 'proxy', case: `${what} (stunnel4)`, value: median(rate.stunnel), unit: '/s' },
      { bench: 'proxy', case: `${what} (node:tls relay; ratio: keyport's over it)`, value: median(rate.relay), unit: '/s', ratio: ratio(rate.relay) },
      { bench: 'proxy', case: `${what} (keyport route; ratio vs stunnel4)`, value: median(rate.keyport), unit: '/s', ratio: ratio(rate.stunnel) },
      { bench: 'proxy', case: `${perMessage} (stunnel4)`, value: median(cpu.stunnel), unit: 'us' },
      { bench: 'proxy', case: `${perMessage} (node:tls relay)`, value: median(cpu.relay), unit: 'us' },
      { bench: 'proxy', case: `${perMessage} (keyport; ratio: stunnel's over ours)`, value: median(cpu.keyport), unit: 'us', ratio: median(cpu.stunnel) / median(cpu.keyport) },
    ];
  } finally {
    Object.values(sockets).flat().forEach((s) => s.destroy());
  }
}
