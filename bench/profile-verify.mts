/**
 * Profiling aid for issue 5: times verifyServerChain on a test-CA chain (RSA and EC), with the
 * system store off and on. Not a `npm run bench` entry (run.mts only loads *.ts files).
 *   npx tsx bench/profile-verify.mts [calls]
 *   node --cpu-prof --cpu-prof-dir /tmp/prof --import tsx bench/profile-verify.mts
 */
import { performance } from 'node:perf_hooks';
import { verifyServerChain } from '../src/core/pki/verify';
import { readCertificates } from '../src/core/pki/pem';
import { createTestCa } from '../test/testbed/ca';

const CALLS = Number(process.argv[2] ?? 200);

async function measure(label: string, ec: boolean): Promise<void> {
  const ca = await createTestCa({ ec });
  try {
    const server = await ca.issueServer({ sans: ['DNS:localhost'] });
    const chain = readCertificates(Buffer.from(server.chainPem), 'chain');
    const anchors = readCertificates(Buffer.from(ca.rootPem), 'root');
    for (const system of [false, true]) {
      const times: number[] = [];
      for (let i = 0; i < CALLS; i++) {
        // Fresh Buffers each call, as a TLS client gets them off the wire.
        const o = { chain: chain.map((d) => Buffer.from(d)), trustAnchors: anchors.map((d) => Buffer.from(d)) };
        const t0 = performance.now();
        await verifyServerChain({ ...o, servername: 'localhost', useSystemStore: system });
        times.push(performance.now() - t0);
      }
      const first = times[0] as number;
      times.sort((a, b) => a - b);
      const median = times[Math.floor(times.length / 2)] as number;
      const total = times.reduce((a, b) => a + b, 0);
      console.log(
        `${label.padEnd(4)} system=${String(system).padEnd(5)} first ${first.toFixed(2)} ms  median ${median.toFixed(3)} ms  total ${total.toFixed(0)} ms / ${CALLS}`,
      );
    }
  } finally {
    await ca.stop();
  }
}

await measure('rsa', false);
await measure('ec', true);
