/**
 * Test helpers: run the real PKCS#12 tools (openssl, keytool, certtool, pk12util) without a
 * shell and make throwaway PKIs with openssl. Plain Node, so scripts can use them too.
 */
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Runs `cmd args` (no shell), feeding `input` on stdin; returns stdout (then stderr, with
 * `withStderr`), throws with stderr on failure.
 */
export function run(
  cmd: string,
  args: string[],
  opts: { input?: string | Buffer; cwd?: string; withStderr?: boolean } = {},
): Buffer {
  const r = spawnSync(cmd, args, { input: opts.input ?? '', cwd: opts.cwd, timeout: 60_000, maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr.toString()}${r.stdout.toString()}`);
  }
  return opts.withStderr ? Buffer.concat([r.stdout, r.stderr]) : r.stdout;
}

/** A fresh temporary directory and a function that removes it. */
export function tempDir(prefix = 'keyport-p12-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes a password file (no trailing newline, owner-only) and returns its path. */
export function passwordFile(dir: string, name: string, password: string): string {
  const path = join(dir, name);
  writeFileSync(path, password, { mode: 0o600 });
  return path;
}

/** Key algorithms the tests cover. */
export type TestAlg = 'RSA-2048' | 'EC-P256' | 'EC-P384' | 'Ed25519';
export const TEST_ALGS: TestAlg[] = ['RSA-2048', 'EC-P256', 'EC-P384', 'Ed25519'];

const GENPKEY_ARGS: Record<TestAlg, string[]> = {
  'RSA-2048': ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
  'EC-P256': ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  'EC-P384': ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'],
  Ed25519: ['-algorithm', 'Ed25519'],
};

/** A three-level PKI made by openssl: root -> intermediate -> leaf, leaf key of `alg`. */
export interface TestPki {
  dir: string;
  alg: TestAlg;
  /** Leaf private key, PEM file. */
  keyPath: string;
  /** Leaf, intermediate and root certificate PEM files. */
  leafPath: string;
  intermediatePath: string;
  rootPath: string;
  /** DER of leaf, intermediate, root. */
  chainDer: Buffer[];
  /** SHA-256 fingerprints of leaf, intermediate, root, as `openssl x509 -fingerprint` gives them. */
  fingerprints: string[];
  /** SPKI DER of the leaf key, as `openssl pkey -pubout` gives it. */
  keySpki: Buffer;
}

const EXTENSIONS = [
  '[ca]',
  'basicConstraints = critical, CA:TRUE',
  'keyUsage = critical, keyCertSign, cRLSign',
  'subjectKeyIdentifier = hash',
  'authorityKeyIdentifier = keyid:always',
  '[leaf]',
  'basicConstraints = critical, CA:FALSE',
  'keyUsage = critical, digitalSignature',
  'extendedKeyUsage = clientAuth',
  'subjectKeyIdentifier = hash',
  'authorityKeyIdentifier = keyid:always',
].join('\n');

/** Makes a PKI in `dir` with openssl (root and intermediate are EC P-256). */
export function makePki(dir: string, alg: TestAlg, cn = 'client.example'): TestPki {
  const p = (name: string): string => join(dir, name);
  writeFileSync(p('ext.cnf'), EXTENSIONS);
  const genkey = (out: string, args: string[]): void => void run('openssl', ['genpkey', ...args, '-out', p(out)]);
  genkey('root.key', GENPKEY_ARGS['EC-P256']);
  genkey('int.key', GENPKEY_ARGS['EC-P256']);
  genkey('leaf.key', GENPKEY_ARGS[alg]);
  run('openssl', ['req', '-x509', '-new', '-key', p('root.key'), '-subj', '/CN=Keyport Test Root', '-days', '30',
    '-config', p('ext.cnf'), '-extensions', 'ca', '-out', p('root.pem')]);
  const issue = (csrKey: string, subj: string, ca: string, caKey: string, ext: string, out: string): void => {
    run('openssl', ['req', '-new', '-key', p(csrKey), '-subj', subj, '-out', p(`${out}.csr`)]);
    run('openssl', ['x509', '-req', '-in', p(`${out}.csr`), '-CA', p(ca), '-CAkey', p(caKey), '-CAcreateserial',
      '-days', '30', '-extfile', p('ext.cnf'), '-extensions', ext, '-out', p(out)]);
  };
  issue('int.key', '/CN=Keyport Test Intermediate', 'root.pem', 'root.key', 'ca', 'int.pem');
  issue('leaf.key', `/CN=${cn}`, 'int.pem', 'int.key', 'leaf', 'leaf.pem');
  const paths = [p('leaf.pem'), p('int.pem'), p('root.pem')];
  return {
    dir,
    alg,
    keyPath: p('leaf.key'),
    leafPath: paths[0]!,
    intermediatePath: paths[1]!,
    rootPath: paths[2]!,
    chainDer: paths.map((f) => new crypto.X509Certificate(readFileSync(f)).raw),
    fingerprints: paths.map(opensslFingerprint),
    keySpki: run('openssl', ['pkey', '-in', p('leaf.key'), '-pubout', '-outform', 'DER']),
  };
}

/** `openssl x509 -fingerprint -sha256` of a PEM or DER certificate file, as lowercase hex. */
export function opensslFingerprint(certPath: string): string {
  const der = readFileSync(certPath).toString('latin1').includes('-----BEGIN') ? [] : ['-inform', 'DER'];
  const out = run('openssl', ['x509', '-in', certPath, ...der, '-noout', '-fingerprint', '-sha256']).toString();
  return out.trim().split('=')[1]!.replaceAll(':', '').toLowerCase();
}

/** SHA-256 of DER as lowercase hex (compares with opensslFingerprint). */
export function sha256Hex(der: Buffer): string {
  return crypto.createHash('sha256').update(der).digest('hex');
}

/** SPKI DER of the public half of a PKCS#8 private key. */
export function publicSpkiOf(pkcs8: Buffer): Buffer {
  const key = crypto.createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  return crypto.createPublicKey(key).export({ format: 'der', type: 'spki' });
}

/** Concatenates PEM files into one (in the given order) and returns its path. */
export function bundle(dir: string, name: string, pemPaths: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, pemPaths.map((f) => readFileSync(f, 'utf8')).join(''));
  return path;
}
