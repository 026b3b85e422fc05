/**
 * Profiling aid for issue 5: downloads a file through Keyport's TLS client and node:tls from one
 * `openssl s_server -WWW`, printing MB/s. Not a `npm run bench` entry (run.mts only loads *.ts files).
 *   npx tsx bench/profile-download.mts [MB] [rounds]
 *   node --cpu-prof --cpu-prof-dir /tmp/prof --import tsx bench/profile-download.mts
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import { connect as nodeConnect } from 'node:tls';
import { memorySigner } from '../src/core/keystores/memory-signer';
import { connect } from '../src/core/tls';
import { createPki } from '../test/tls/helpers/pki';
import { startOpenssl } from '../test/tls/helpers/servers';

const MB = Number(process.argv[2] ?? 64);
const ROUNDS = Number(process.argv[3] ?? 5);

const pki = createPki();
try {
  const server = pki.issue({ name: 'localhost', kind: 'ec', usage: 'server' });
  const client = pki.issue({ name: 'bench-client', kind: 'ec', usage: 'client' });
  writeFileSync(join(pki.dir, 'big.bin'), randomBytes(MB * 1024 * 1024));
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
    const only = process.env.ONLY;
    for (let i = 0; i < ROUNDS; i++) {
      if (only !== 'node') console.log(`keyport ${(await download(ours)).toFixed(1)} MB/s`);
      if (only !== 'keyport') console.log(`node    ${(await download(node)).toFixed(1)} MB/s`);
    }
  } finally {
    await s.stop();
  }
} finally {
  pki.cleanup();
}

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
  if (bytes < MB * 1024 * 1024) throw new Error(`download short: ${bytes} bytes`);
  return bytes / 1024 / 1024 / ((performance.now() - t0) / 1000);
}
