/**
 * Profiling aid for issue 5: full mTLS 1.3 handshakes signed by a SoftHSM EC key through the token
 * host, against `openssl s_server`, printing the median handshake, the median signature (token host
 * round trip) and the median gap between trace events.
 * Not a `npm run bench` entry (run.mts only loads *.ts files).
 *   npx tsx bench/profile-token-handshake.mts [handshakes]
 *   node --cpu-prof --cpu-prof-dir /tmp/prof --import tsx bench/profile-token-handshake.mts
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { connect } from '../src/core/tls';
import { createTestCa } from '../test/testbed/ca';
import { tempDir } from '../test/testbed/proc';
import { startSoftHsm } from '../test/testbed/softhsm';
import { startOpenssl } from '../test/tls/helpers/servers';
import type { SignatureScheme, Signer } from '../src/core/keystores/types';
import { makeTokenIdentity } from './peers/token-identity';

const COUNT = Number(process.argv[2] ?? 200);
const dir = await tempDir('profile-token-handshake');
const ca = await createTestCa({ ec: true });
const hsm = await startSoftHsm({ label: 'profile-hsm' });
try {
  const serverCert = await ca.issueServer({ sans: ['DNS:localhost', 'IP:127.0.0.1'], ec: true });
  await writeFile(join(dir.path, 'hello.txt'), 'hello\n');
  const server = await startOpenssl(
    ['-WWW', '-Verify', '1', '-CAfile', ca.rootFile, '-cert', serverCert.certFile, '-key', serverCert.keyFile, '-cert_chain', ca.intermediateFile],
    dir.path,
  );
  const id = await makeTokenIdentity(hsm, ca, 'profile');
  try {
    const signTimes: number[] = [];
    const signer = timedSigner(id.signer, signTimes);
    const times: number[] = [];
    const gaps = new Map<string, number[]>();
    for (let i = 0; i < COUNT; i++) {
      const t0 = performance.now();
      const sock = await connect({ host: '127.0.0.1', port: server.port, servername: 'localhost', ca: [Buffer.from(ca.rootPem)], signer, chain: id.chain });
      times.push(performance.now() - t0);
      sock.trace.forEach((e, k) => {
        const prev = sock.trace[k - 1];
        if (!prev) return;
        const key = `${String(k).padStart(2)} ${e.direction} ${e.type}`;
        gaps.set(key, [...(gaps.get(key) ?? []), e.ms - prev.ms]);
      });
      sock.destroy();
    }
    const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
    console.log(`median handshake ${med(times).toFixed(2)} ms over ${COUNT}; median sign ${med(signTimes).toFixed(3)} ms`);
    for (const [k, v] of gaps) console.log(`  ${k}: +${med(v).toFixed(3)} ms`);
  } finally {
    await id.host.close();
    await server.stop();
  }
} finally {
  await hsm.stop();
  await ca.stop();
  await dir.remove();
}

/** `inner`, recording how long each signature takes (the token host round trip included). */
function timedSigner(inner: Signer, times: number[]): Signer {
  return {
    algorithm: inner.algorithm,
    publicKeySpki: inner.publicKeySpki,
    schemes: inner.schemes,
    async sign(scheme: SignatureScheme, data: Buffer) {
      const t0 = performance.now();
      try {
        return await inner.sign(scheme, data);
      } finally {
        times.push(performance.now() - t0);
      }
    },
  };
}
