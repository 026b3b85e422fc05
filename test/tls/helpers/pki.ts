import { execFileSync } from 'node:child_process';
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Key types the tests issue certificates for. */
export type TestKeyKind = 'ec' | 'ec384' | 'rsa';

/** One issued certificate: files for openssl/node servers, DER and key for our client. */
export interface TestCert {
  certPath: string;
  keyPath: string;
  certPem: Buffer;
  certDer: Buffer;
  keyPem: Buffer;
  key: KeyObject;
}

/** A throwaway CA in a temp dir, made with the openssl CLI. */
export interface TestPki {
  dir: string;
  ca: TestCert;
  issue(o: { name: string; kind: TestKeyKind; usage: 'server' | 'client'; sans?: string }): TestCert;
  cleanup(): void;
}

const NEW_KEY: Record<TestKeyKind, string[]> = {
  ec: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  ec384: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384'],
  rsa: ['-newkey', 'rsa:2048'],
};

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function load(dir: string, base: string): TestCert {
  const certPath = join(dir, `${base}.pem`);
  const keyPath = join(dir, `${base}.key`);
  const certPem = readFileSync(certPath);
  const keyPem = readFileSync(keyPath);
  return { certPath, keyPath, certPem, certDer: Buffer.from(new X509Certificate(certPem).raw), keyPem, key: createPrivateKey(keyPem) };
}

/** Creates a CA named `caName` (EC P-256). */
export function createPki(caName = 'Keyport TLS Test CA'): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'keyport-tls-'));
  openssl(['req', '-x509', ...NEW_KEY.ec, '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', `/CN=${caName}`], dir);
  let serial = 0;
  return {
    dir,
    ca: load(dir, 'ca'),
    issue({ name, kind, usage, sans }) {
      const base = `leaf${++serial}`;
      const ext = [
        'basicConstraints=CA:FALSE',
        `extendedKeyUsage=${usage === 'server' ? 'serverAuth' : 'clientAuth'}`,
        ...(usage === 'server' ? [`subjectAltName=${sans ?? 'DNS:localhost,IP:127.0.0.1'}`] : []),
      ].join('\n');
      writeFileSync(join(dir, `${base}.ext`), `${ext}\n`);
      openssl(['req', ...NEW_KEY[kind], '-nodes', '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', `/CN=${name}`], dir);
      openssl(
        ['x509', '-req', '-in', `${base}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', String(1000 + serial), '-days', '2', '-out', `${base}.pem`, '-extfile', `${base}.ext`],
        dir,
      );
      return load(dir, base);
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
