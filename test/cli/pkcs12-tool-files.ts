/**
 * PKCS#12 files made at test time by the real tools a user gets them from: OpenSSL 3 (default
 * and -legacy), Java keytool, GnuTLS certtool (default and 3DES) and NSS pk12util. Each is
 * made from a key and chain issued by the test CA, with its own friendly name, in its own
 * directory (which then holds key material: scans for leaked keys must leave it out).
 * The tools run as async processes so several files are made at once. Also an Ed25519 client
 * certificate, which the test CA's issueClient does not make.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { IssuedCert, TestCa } from '../testbed/ca';
import { runChecked } from '../testbed/proc';
import { passwordFile } from '../pkcs12/tools';

/** The tools (and tool settings) the CLI tests import files from. */
export const P12_TOOLS = ['openssl', 'openssl-legacy', 'keytool', 'certtool', 'certtool-3des', 'pk12util'] as const;
export type P12Tool = (typeof P12_TOOLS)[number];

/** Commands each tool needs on PATH. */
export const P12_TOOL_COMMANDS = ['openssl', 'keytool', 'certtool', 'pk12util', 'certutil'];

/** A PKCS#12 file and how to open it. */
export interface ToolFile {
  tool: P12Tool;
  file: string;
  password: string;
  /** Holds `password` (no newline), for `--password-file`. */
  passwordFile: string;
  friendlyName: string;
}

/** keytool refuses non-ASCII passwords with PBES2; the others get one, to test UTF-8 handling. */
const PASSWORDS: Record<P12Tool, string> = {
  openssl: 'pässwörd€ 1',
  'openssl-legacy': 'pässwörd€ 2',
  keytool: 'changeit-1',
  certtool: 'pässwörd€ 3',
  'certtool-3des': 'pässwörd€ 4',
  pk12util: 'pässwörd€ 密码',
};

/**
 * Makes `tool`'s PKCS#12 of `issued` (key, leaf + intermediate) in a fresh `dir`, with friendly
 * name `name` (lowercase: keytool lowercases aliases).
 */
export async function makeToolFile(tool: P12Tool, issued: IssuedCert, dir: string, name: string): Promise<ToolFile> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const password = PASSWORDS[tool];
  const pass = passwordFile(dir, 'p12.pass', password);
  const out = path.join(dir, `${tool}.p12`);
  const opensslExport = (file: string, extra: string[] = []) =>
    runChecked('openssl', ['pkcs12', '-export', '-inkey', issued.keyFile, '-in', issued.chainFile, '-name', name,
      '-passout', `file:${pass}`, '-out', file, ...extra], { name: 'openssl pkcs12 -export' });
  switch (tool) {
    case 'openssl':
      await opensslExport(out);
      break;
    case 'openssl-legacy':
      await opensslExport(out, ['-legacy']);
      break;
    case 'keytool':
      await keytoolFile(dir, pass, out, opensslExport);
      break;
    case 'certtool':
    case 'certtool-3des':
      await certtoolFile(issued, dir, password, name, out, tool === 'certtool-3des' ? ['--pkcs-cipher', '3des-pkcs12'] : []);
      break;
    case 'pk12util':
      await pk12utilFile(dir, pass, name, out, opensslExport);
      break;
  }
  return { tool, file: out, password, passwordFile: pass, friendlyName: name };
}

/** keytool cannot take a bare key: it converts an OpenSSL file into its own PKCS#12 (PBES2 AES-256). */
async function keytoolFile(dir: string, pass: string, out: string, opensslExport: (file: string) => Promise<unknown>) {
  const src = path.join(dir, 'src.p12');
  await opensslExport(src);
  await runChecked('keytool', ['-importkeystore', '-srckeystore', src, '-srcstoretype', 'PKCS12', '-srcstorepass:file', pass,
    '-destkeystore', out, '-deststoretype', 'PKCS12', '-deststorepass:file', pass, '-noprompt'], { name: 'keytool -importkeystore' });
}

/** certtool reads the password from a template (it would otherwise ask a terminal). */
async function certtoolFile(issued: IssuedCert, dir: string, password: string, name: string, out: string, extra: string[]) {
  const template = path.join(dir, 'p12.tmpl');
  await writeFile(template, `password = "${password}"\n`, { mode: 0o600 });
  await runChecked('certtool', ['--to-p12', '--load-privkey', issued.keyFile, '--load-certificate', issued.chainFile,
    '--p12-name', name, '--outder', '--outfile', out, '--template', template, ...extra], { name: 'certtool --to-p12' });
}

/** pk12util exports from an NSS database, so the OpenSSL file goes into a fresh one first. */
async function pk12utilFile(dir: string, pass: string, name: string, out: string, opensslExport: (file: string) => Promise<unknown>) {
  const dbDir = path.join(dir, 'nssdb');
  await mkdir(dbDir, { mode: 0o700 });
  const db = `sql:${dbDir}`;
  const dbPass = passwordFile(dir, 'db.pass', 'db-secret');
  const src = path.join(dir, 'src.p12');
  await opensslExport(src);
  await runChecked('certutil', ['-N', '-d', db, '-f', dbPass], { name: 'certutil -N' });
  await runChecked('pk12util', ['-i', src, '-d', db, '-k', dbPass, '-w', pass], { name: 'pk12util -i' });
  await runChecked('pk12util', ['-o', out, '-n', name, '-d', db, '-k', dbPass, '-w', pass], { name: 'pk12util -o', timeoutMs: 180_000 });
}

/** Makes an Ed25519 key in `dir` and has the test CA issue it a client certificate. */
export async function issueEd25519(ca: TestCa, dir: string): Promise<IssuedCert> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const keyFile = path.join(dir, 'ed25519.key');
  await runChecked('openssl', ['genpkey', '-algorithm', 'Ed25519', '-out', keyFile]);
  const { stdout: csr } = await runChecked('openssl', ['req', '-new', '-key', keyFile, '-subj', '/CN=Client Ed25519']);
  const chainPem = await ca.signCsr(csr);
  const certPem = chainPem.slice(0, chainPem.length - ca.intermediatePem.length);
  const certFile = path.join(dir, 'ed25519.crt');
  const chainFile = path.join(dir, 'ed25519-chain.pem');
  await Promise.all([writeFile(certFile, certPem), writeFile(chainFile, chainPem)]);
  return { certPem, keyPem: await readFile(keyFile, 'utf8'), chainPem, certFile, keyFile, chainFile };
}
