/**
 * Fuzzing the TLS client's record and handshake parsers (issue 5). Every mutated server
 * flight must end in a KeyportError with a TLS code (or success) within the timeout: never a
 * crash, a hang, an unhandled rejection, or an internal error. Seeded: set FUZZ_SEED to
 * replay a run; a failing case prints its seed, case number, mutations and bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBackend } from '../testbed/backend';
import type { RawServer } from '../testbed/tls-servers/raw';
import type { ConnectOptions } from '../../src/core/tls';
import { suiteById, type CipherSuite } from '../../src/core/tls/cipher-suites';
import { checkServerChain } from '../../src/core/tls/peer-certificate';
import type { HandshakeConfig } from '../../src/core/tls/types';
import { KeyportError } from '../../src/shared/errors';
import { mutateBytes } from './fuzz/byte-mutations';
import { bodiesByType, parserTargets, subjectDer } from './fuzz/parser-targets';
import { drainRecordLayer, readProtection, sealedRecords } from './fuzz/record-streams';
import { encodeRecords, type FlightRecord } from './fuzz/flight';
import { mutateFlight, type Mutated } from './fuzz/mutate';
import { startMutatingProxy } from './fuzz/mutating-proxy';
import { classify, handshakeOutcome, processGuard, runLanes, Tally } from './fuzz/outcomes';
import { caseSeed, Prng } from './fuzz/prng';
import { recordFlights, type Recording } from './fuzz/record-flights';
import { echoSessionId, resignServerKeyExchange, startReplayServer, type ClientHelloFacts, type FlightScript } from './fuzz/replay';
import { createPki, type TestCert, type TestPki } from './helpers/pki';
import { startOpenssl, type OpensslServer } from './helpers/servers';
import { countingSigner } from './helpers/signer';

const SEED = Number(process.env.FUZZ_SEED ?? 0x6b657970);
const LANES = 8;
const TIMEOUT_MS = 2000;

type Scenario = 'TLSv1.2' | 'TLSv1.3' | 'TLSv1.3-HRR';
const SCENARIOS: Record<Scenario, { server: string[]; client: Partial<ConnectOptions>; replayCases: number; liveCases: number }> = {
  'TLSv1.2': { server: ['-tls1_2'], client: { maxVersion: 'TLSv1.2' }, replayCases: 3000, liveCases: 120 },
  'TLSv1.3': { server: ['-tls1_3'], client: { minVersion: 'TLSv1.3' }, replayCases: 1000, liveCases: 60 },
  'TLSv1.3-HRR': { server: ['-tls1_3', '-groups', 'P-384'], client: { minVersion: 'TLSv1.3', groups: ['X25519', 'P-384'] }, replayCases: 800, liveCases: 0 },
};

const opensslMissing = requireBackend('openssl').missing;

describe.skipIf(opensslMissing)('fuzzing the TLS client with mutated server flights', () => {
  let pki: TestPki;
  let serverCert: TestCert;
  let clientCert: TestCert;
  const servers: OpensslServer[] = [];
  const stoppers: (() => Promise<void>)[] = [];
  const recordings = {} as Record<Scenario, Recording>;
  const guard = processGuard();

  const startServer = async (scenario: Scenario): Promise<OpensslServer> => {
    const args = ['-Verify', '1', '-cert', serverCert.certPath, '-key', serverCert.keyPath, '-CAfile', pki.ca.certPath];
    const s = await startOpenssl([...SCENARIOS[scenario].server, ...args]);
    servers.push(s);
    return s;
  };
  const clientOptions = (scenario: Scenario, port: number): ConnectOptions & { timeoutMs: number } => ({
    host: '127.0.0.1',
    port,
    servername: 'localhost',
    ca: [pki.ca.certPem],
    signer: countingSigner(clientCert.key),
    chain: [clientCert.certDer],
    timeoutMs: TIMEOUT_MS,
    ...SCENARIOS[scenario].client,
  });

  beforeAll(async () => {
    pki = createPki();
    serverCert = pki.issue({ name: 'localhost', kind: 'ec', usage: 'server' });
    clientCert = pki.issue({ name: 'client', kind: 'ec', usage: 'client' });
    for (const scenario of Object.keys(SCENARIOS) as Scenario[]) {
      const server = await startServer(scenario);
      recordings[scenario] = await recordFlights(server.port, clientOptions(scenario, 0));
    }
  }, 60_000);

  afterAll(async () => {
    guard.disarm();
    await Promise.all([...servers.map((s) => s.stop()), ...stoppers.map((stop) => stop())]);
    pki?.cleanup();
  });

  /** The recorded flight made valid for this client (session id echo, fresh 1.2 signature). */
  const patch = (scenario: Scenario, flight: FlightRecord[], hello: ClientHelloFacts): FlightRecord[] =>
    scenario === 'TLSv1.2' ? resignServerKeyExchange(flight, hello, serverCert.key) : echoSessionId(flight, hello);

  /** Asserts a run found nothing, printing its outcome counts either way. */
  const check = (title: string, tally: Tally, total: number): void => {
    console.log(tally.summary(`${title} (seed ${SEED})`));
    expect(tally.findings, `fuzz findings (replay with FUZZ_SEED=${SEED}):\n${tally.findings.join('\n\n')}`).toEqual([]);
    expect(guard.armed).toEqual([]);
    expect(tally.total).toBe(total);
  };

  /** How an unmutated replay must end: past every plaintext parser, at the first check a replay cannot pass. */
  const UNMUTATED: Record<Scenario, { outcome: string; detail: RegExp }> = {
    'TLSv1.2': { outcome: 'KEYPORT_TLS_CLOSED', detail: /waiting for the server's Finished/ },
    'TLSv1.3': { outcome: 'KEYPORT_TLS_DECRYPT_ERROR', detail: /failed authentication/ },
    'TLSv1.3-HRR': { outcome: 'KEYPORT_TLS_DECRYPT_ERROR', detail: /failed authentication/ },
  };

  it('an unmutated replay gets as far as a replay can (so mutations reach every parser)', async () => {
    for (const scenario of Object.keys(SCENARIOS) as Scenario[]) {
      const server = await startReplayServer(recordings[scenario], () => (_k, flight, hello) => encodeRecords(patch(scenario, flight, hello)));
      stoppers.push(() => server.stop());
      const result = await handshakeOutcome(clientOptions(scenario, server.port));
      expect({ scenario, ...result }).toMatchObject({ scenario, outcome: UNMUTATED[scenario].outcome, detail: expect.stringMatching(UNMUTATED[scenario].detail) });
    }
  });

  for (const scenario of Object.keys(SCENARIOS) as Scenario[]) {
    it(`${scenario}: replayed flights with mutations end in a TLS error, never a crash or hang`, async () => {
      const recording = recordings[scenario];
      const count = SCENARIOS[scenario].replayCases;
      const tally = new Tally();
      const scripts: (() => FlightScript)[] = [];
      const lanes: RawServer[] = await Promise.all(
        Array.from({ length: LANES }, (_, lane) => startReplayServer(recording, () => (scripts[lane] as () => FlightScript)())),
      );
      stoppers.push(...lanes.map((l) => () => l.stop()));
      await runLanes(count, LANES, async (index, lane) => {
        const rng = new Prng(caseSeed(SEED, index));
        const target = rng.int(recording.length);
        let mutated: Mutated | undefined;
        scripts[lane] = () => (k, flight, hello) => {
          const valid = patch(scenario, flight, hello);
          if (k !== target) return encodeRecords(valid);
          mutated = mutateFlight(rng, valid);
          return mutated.bytes;
        };
        const { outcome, detail } = await handshakeOutcome(clientOptions(scenario, (lanes[lane] as RawServer).port));
        // The replay server always ends the connection: waiting for the timeout would be a hang.
        const result = outcome === 'KEYPORT_TLS_TIMEOUT' ? 'BUG:timeout-after-server-closed' : outcome;
        tally.add(result, () => report(scenario, index, target, mutated, result, detail));
      });
      check(`${scenario} replay`, tally, count);
    }, 120_000);
  }

  for (const scenario of ['TLSv1.2', 'TLSv1.3'] as const) {
    it(`${scenario}: a live openssl s_server behind a mutating proxy`, async () => {
      const count = SCENARIOS[scenario].liveCases;
      const flightRecords = (recordings[scenario][0] as FlightRecord[]).length;
      const tally = new Tally();
      const edits: ((flight: FlightRecord[]) => Buffer)[] = [];
      const proxies = await Promise.all(
        Array.from({ length: LANES }, async (_, lane) => {
          const upstream = await startServer(scenario);
          return startMutatingProxy(upstream.port, flightRecords, () => edits[lane] as (flight: FlightRecord[]) => Buffer);
        }),
      );
      stoppers.push(...proxies.map((p) => () => p.stop()));
      await runLanes(count, LANES, async (index, lane) => {
        const rng = new Prng(caseSeed(SEED ^ 0x1f, index));
        let mutated: Mutated | undefined;
        edits[lane] = (flight) => (mutated = mutateFlight(rng, flight)).bytes;
        const { outcome, detail } = await handshakeOutcome(clientOptions(scenario, (proxies[lane] as { port: number }).port));
        tally.add(outcome, () => report(`${scenario} live`, index, 0, mutated, outcome, detail));
      });
      check(`${scenario} live`, tally, count);
    }, 120_000);
  }

  /** Runs `count` synchronous cases; `body` throws what the code under test threw. */
  const direct = (title: string, count: number, salt: number, body: (rng: Prng) => string): void => {
    const tally = new Tally();
    for (let i = 0; i < count; i++) {
      const rng = new Prng(caseSeed(SEED ^ salt, i));
      let input = '';
      try {
        input = body(rng);
        tally.add('returned', () => '');
      } catch (e) {
        const { outcome, detail } = classify(e);
        tally.add(outcome, () => `${title} seed ${SEED} salt ${salt} case ${i}: ${outcome}\n  ${detail}\n  input: ${input}`);
      }
    }
    check(title, tally, count);
  };

  it('handshake message and extension parsers return or throw a TlsError on mutated bodies', () => {
    const recorded = bodiesByType([...recordings['TLSv1.2'], ...recordings['TLSv1.3'], ...recordings['TLSv1.3-HRR']]);
    const targets = parserTargets(recorded, serverCert.certDer, subjectDer(pki.ca.certDer));
    targets.forEach((target, t) => {
      expect(target.valid.length, `${target.name}: no valid body to mutate`).toBeGreaterThan(0);
      for (const valid of target.valid) expect(() => target.parse(valid), `${target.name} rejects its valid body`).not.toThrow();
      direct(`parser ${target.name}`, 500, 0x100 + t, (rng) => {
        const { bytes, ops } = mutateBytes(rng, rng.pick(target.valid));
        const input = `${ops.join('; ')}: ${bytes.toString('hex')}`;
        try {
          target.parse(bytes);
        } catch (e) {
          throw e instanceof KeyportError ? e : Object.assign(new Error(`${String(e)} (input ${input})`), { cause: e });
        }
        return input;
      });
    });
  });

  it('the record layer frames mutated plaintext record streams or throws a TlsError', () => {
    const flights = Object.values(recordings).flat();
    direct('plaintext record streams', 2000, 0x200, (rng) => {
      const { bytes, ops } = mutateFlight(rng, rng.pick(flights));
      const input = `${ops.join('; ')}: ${bytes.toString('hex').slice(0, 400)}`;
      drainRecordLayer(rng, bytes);
      return input;
    });
  });

  it('the record layer opens mutated encrypted record streams or throws a TlsError', () => {
    const suites = [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02c, 0xcca9].map((id) => suiteById(id) as CipherSuite);
    direct('encrypted record streams', 2000, 0x300, (rng) => {
      const suite = rng.pick(suites);
      const key = rng.bytes(suite.aead === 'aes-128-gcm' ? 16 : 32);
      const iv = rng.bytes(suite.version === 'TLSv1.3' || suite.aead === 'chacha20-poly1305' ? 12 : 4);
      const { bytes, ops } = mutateFlight(rng, sealedRecords(rng, suite, key, iv));
      drainRecordLayer(rng, bytes, readProtection(suite, key, iv));
      return `${suite.name} ${ops.join('; ')}`;
    });
  });

  it('certificate validation turns mutated server certificates into TLS errors', async () => {
    const tally = new Tally();
    const count = 300;
    for (let i = 0; i < count; i++) {
      const rng = new Prng(caseSeed(SEED ^ 0x400, i));
      const { bytes, ops } = mutateBytes(rng, serverCert.certDer);
      const cfg: HandshakeConfig = {
        host: 'localhost',
        port: 443,
        verifyName: 'localhost',
        ca: [pki.ca.certDer],
        useSystemStore: false,
        chain: [],
        offer13: true,
        offer12: true,
        groups: ['X25519'],
        sessionKey: 'fuzz',
        rejectUnauthorized: rng.chance(0.8),
      };
      const { outcome, detail } = await checkServerChain(cfg, [bytes, pki.ca.certDer]).then(
        () => ({ outcome: 'returned', detail: '' }),
        classify,
      );
      tally.add(outcome, () => `certificate seed ${SEED} case ${i}: ${outcome}\n  ${ops.join('; ')}\n  ${detail}\n  der: ${bytes.toString('hex')}`);
    }
    check('mutated server certificates', tally, count);
  }, 60_000);

  it('no unhandled rejection or uncaught exception fired during the run', () => {
    expect(guard.armed).toEqual([]);
  });

});

function report(scenario: string, index: number, flight: number, m: Mutated | undefined, outcome: string, detail: string): string {
  const ops = m ? m.ops.join('; ') : '(not mutated yet)';
  return `${scenario} seed ${SEED} case ${index} flight ${flight}: ${outcome}\n  mutations: ${ops}\n  ${detail}\n  bytes: ${m?.bytes.toString('hex') ?? ''}`;
}
