/**
 * Smoke test of the test bed itself: each backend starts, works with its real tools, and
 * stops without leaving a process or a temp dir behind.
 */
import { createPublicKey, randomBytes, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBackend } from './backend.js';
import { createTestCa, type TestCa } from './ca.js';
import { groupAlive, processAlive } from './cleanup.js';
import { CLI_BUNDLE, encodingsOf, runCli, scanForBytes } from './cli.js';
import { startKeyring, type Keyring } from './keyring.js';
import { run, runChecked, tempDir, type TempDir } from './proc.js';
import { addSoftHsmToken, showSlots, startSoftHsm, type SoftHsm } from './softhsm.js';
import { startTpm, type Tpm } from './tpm.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** Asserts that none of `pids` (process group leaders) nor their groups are alive. */
function expectGone(pids: number[]): void {
  for (const pid of pids) {
    expect(processAlive(pid), `process ${pid} still alive`).toBe(false);
    expect(groupAlive(pid), `process group ${pid} still alive`).toBe(false);
  }
}

/** A token as pkcs11-tool needs it: module, env and PIN. */
interface Token {
  module: string;
  tokenLabel: string;
  pin: string;
  env: Record<string, string>;
}

/**
 * Runs pkcs11-tool logged in to `token`. Its PIN goes in argv because pkcs11-tool reads a
 * PIN only from argv or a terminal; acceptable for a throwaway test token and a short-lived tool.
 */
function p11(token: Token, args: string[]) {
  const base = ['--module', token.module, '--token-label', token.tokenLabel, '--login', '--pin', token.pin];
  return runChecked('pkcs11-tool', [...base, ...args], { env: token.env, name: `pkcs11-tool ${args[0] ?? ''}` });
}

/**
 * Generates a key pair on `token`, signs SHA-256("smoke") with `mechanism`, and checks the
 * signature with `openssl pkeyutl -verify` against the public key read back from the token.
 */
async function signAndVerify(token: Token, work: string, o: { id: string; keyType: string; mechanism: string }) {
  await p11(token, ['--keypairgen', '--key-type', o.keyType, '--id', o.id, '--label', `smoke-${o.id}`]);
  const digest = path.join(work, `${o.id}.sha256`);
  await runChecked('openssl', ['dgst', '-sha256', '-binary', '-out', digest], { input: 'smoke' });
  const sig = path.join(work, `${o.id}.sig`);
  const pss = o.mechanism === 'RSA-PKCS-PSS';
  const signArgs = ['--sign', '--id', o.id, '-m', o.mechanism, '-i', digest, '-o', sig];
  if (pss) signArgs.push('--hash-algorithm', 'SHA256', '--mgf', 'MGF1-SHA256');
  else signArgs.push('--signature-format', 'openssl'); // DER, as openssl verifies it
  await p11(token, signArgs);
  const pub = path.join(work, `${o.id}.pub.der`);
  await p11(token, ['--read-object', '--type', 'pubkey', '--id', o.id, '-o', pub]);
  const verifyArgs = ['pkeyutl', '-verify', '-pubin', '-keyform', 'DER', '-inkey', pub, '-in', digest, '-sigfile', sig];
  if (pss) verifyArgs.push('-pkeyopt', 'rsa_padding_mode:pss', '-pkeyopt', 'rsa_pss_saltlen:32', '-pkeyopt', 'digest:sha256');
  const verified = await run('openssl', verifyArgs);
  expect(verified.stdout + verified.stderr).toContain('Signature Verified Successfully');
  return { digest, sig, pub };
}

const softhsm = requireBackend('softhsm2');
describe.skipIf(softhsm.missing)('SoftHSM2', () => {
  let hsm: SoftHsm;
  let work: TempDir;
  beforeAll(async () => {
    hsm = await startSoftHsm({ label: 'smoke' });
    work = await tempDir('smoke-softhsm');
  });
  afterAll(async () => {
    await hsm?.stop();
    await work?.remove();
  });

  it('initialises tokens that softhsm2-util lists', async () => {
    await addSoftHsmToken(hsm, 'smoke-2');
    const slots = await showSlots(hsm);
    expect(slots).toMatch(/Label:\s+smoke\s/);
    expect(slots).toMatch(/Label:\s+smoke-2\s/);
    expect(hsm.env.SOFTHSM2_CONF?.startsWith(hsm.dir)).toBe(true);
  });

  it('signs with an EC P-256 key that stays on the token', async () => {
    await signAndVerify(hsm, work.path, { id: '01', keyType: 'EC:prime256v1', mechanism: 'ECDSA' });
  });

  it('rejects a wrong PIN', async () => {
    await expect(p11({ ...hsm, pin: '0000' }, ['--list-objects'])).rejects.toThrow(/CKR_PIN_INCORRECT/);
  });

  it('removes its dir on stop', async () => {
    const other = await startSoftHsm();
    await other.stop();
    expect(existsSync(other.dir)).toBe(false);
  });
});

const keyringBackend = requireBackend('keyring');
describe.skipIf(keyringBackend.missing)('gnome-keyring Secret Service', () => {
  let kr: Keyring;
  beforeAll(async () => {
    kr = await startKeyring();
  });
  afterAll(async () => {
    await kr?.stop();
  });

  /** Runs one keytar call in a fresh child process on the keyring's bus. */
  async function keytar(call: string): Promise<{ ok: boolean; value?: unknown; error?: string; signal?: string | null }> {
    const script = `require('keytar').${call}.then(
      (value) => console.log(JSON.stringify({ ok: true, value })),
      (e) => console.log(JSON.stringify({ ok: false, error: e.message })))`;
    const r = await run(process.execPath, ['-e', script], { env: kr.env, cwd: REPO });
    if (r.signal) return { ok: false, signal: r.signal };
    return JSON.parse(r.stdout) as { ok: boolean; value?: unknown; error?: string };
  }

  it('stores and looks up a secret with secret-tool', async () => {
    await runChecked('secret-tool', ['store', '--label=smoke', 'service', 'keyport-smoke', 'account', 'st'], {
      env: kr.env,
      input: 'from-secret-tool',
    });
    const found = await runChecked('secret-tool', ['lookup', 'service', 'keyport-smoke', 'account', 'st'], { env: kr.env });
    expect(found.stdout).toBe('from-secret-tool');
  });

  it('round-trips a secret through keytar in a child process', async () => {
    expect(await keytar(`setPassword('keyport-smoke', 'kt', 'v1')`)).toEqual({ ok: true });
    expect(await keytar(`getPassword('keyport-smoke', 'kt')`)).toEqual({ ok: true, value: 'v1' });
    expect(await keytar(`deletePassword('keyport-smoke', 'kt')`)).toEqual({ ok: true, value: true });
    expect(await keytar(`getPassword('keyport-smoke', 'kt')`)).toEqual({ ok: true, value: null });
  });

  it('locks and unlocks the login collection; keytar reads null and cannot write while locked', async () => {
    expect(await keytar(`setPassword('keyport-smoke', 'lk', 'v2')`)).toEqual({ ok: true });
    await kr.lock();
    expect(await kr.isLocked()).toBe(true);
    expect(await keytar(`getPassword('keyport-smoke', 'lk')`)).toEqual({ ok: true, value: null });
    const write = await keytar(`setPassword('keyport-smoke', 'lk2', 'x')`);
    expect(write.ok).toBe(false);
    expect(write.error).toMatch(/locked/);
    await kr.unlock();
    expect(await kr.isLocked()).toBe(false);
    expect(await keytar(`getPassword('keyport-smoke', 'lk')`)).toEqual({ ok: true, value: 'v2' });
  });

  it('makes keytar fail clearly once the Secret Service is gone, and stops every process', async () => {
    const daemonPid = kr.daemon()?.pid ?? -1;
    await kr.stopDaemon();
    const read = await keytar(`getPassword('keyport-smoke', 'lk')`);
    expect(read.ok).toBe(false);
    expect(read.error).toMatch(/org\.freedesktop\.secrets/);
    await kr.stop();
    expectGone([daemonPid]);
    expect(existsSync(kr.dir)).toBe(false);
  });
});

const tpmBackend = requireBackend('tpm');
describe.skipIf(tpmBackend.missing)('swtpm + tpm2-abrmd + tpm2-pkcs11', () => {
  let tpm: Tpm;
  let work: TempDir;
  beforeAll(async () => {
    tpm = await startTpm({ label: 'smoke-tpm' });
    work = await tempDir('smoke-tpm');
  });
  afterAll(async () => {
    await tpm?.stop();
    await work?.remove();
  });

  it('lists the token made by tpm2_ptool', async () => {
    const { stdout } = await runChecked('pkcs11-tool', ['--module', tpm.module, '-L'], { env: tpm.env });
    expect(stdout).toMatch(/token label\s*:\s*smoke-tpm\s*$/m);
  });

  it('signs with EC P-256', async () => {
    await signAndVerify(tpm, work.path, { id: '01', keyType: 'EC:prime256v1', mechanism: 'ECDSA' });
  });

  it('signs with RSA-PSS', async () => {
    await signAndVerify(tpm, work.path, { id: '02', keyType: 'rsa:2048', mechanism: 'RSA-PKCS-PSS' });
  });

  it('fails token calls once swtpm is stopped, and stops every process', async () => {
    const pids = [tpm.swtpm.pid, tpm.abrmd.pid];
    await tpm.stopTpmDaemon();
    expect(tpm.swtpm.running()).toBe(false);
    await expect(p11(tpm, ['--list-objects'])).rejects.toThrow(/pkcs11-tool/);
    await tpm.stop();
    expectGone(pids);
    expect(existsSync(tpm.dir)).toBe(false);
  });
});

const opensslBackend = requireBackend('openssl');
describe.skipIf(opensslBackend.missing)('test CA', () => {
  let ca: TestCa;
  beforeAll(async () => {
    ca = await createTestCa({ ec: true });
  });
  afterAll(async () => {
    await ca?.stop();
  });

  const verify = (purpose: string, file: string) =>
    run('openssl', ['verify', '-CAfile', ca.rootFile, '-untrusted', ca.intermediateFile, '-purpose', purpose, file]);

  it('issues server and client certificates that openssl verifies for their purpose only', async () => {
    const server = await ca.issueServer({ sans: ['localhost', '127.0.0.1'] });
    const client = await ca.issueClient({ cn: 'smoke-client', ec: false });
    expect((await verify('sslserver', server.certFile)).stdout).toContain(': OK');
    expect((await verify('sslclient', client.certFile)).stdout).toContain(': OK');
    expect((await verify('sslclient', server.certFile)).code).not.toBe(0);
    const cert = new X509Certificate(server.certPem);
    expect(cert.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1');
    expect(new X509Certificate(client.certPem).publicKey.asymmetricKeyType).toBe('rsa');
    expect(server.chainPem).toBe(server.certPem + ca.intermediatePem);
  });

  it('signs a CSR with its own public key, subject, random serial and AKI = issuer SKI', async () => {
    const work = await tempDir('smoke-ca');
    try {
      const keyFile = path.join(work.path, 'k.pem');
      await runChecked('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384', '-out', keyFile]);
      const csr = await runChecked('openssl', ['req', '-new', '-key', keyFile, '-subj', '/O=Smoke/CN=csr-leaf']);
      const [a, b] = [await ca.signCsr(csr.stdout), await ca.signCsr(csr.stdout, { sans: ['csr.test'] })];
      const leafA = new X509Certificate(a);
      const leafB = new X509Certificate(b);
      const csrKey = createPublicKey(await readFile(keyFile)).export({ type: 'spki', format: 'der' });
      expect(leafA.publicKey.export({ type: 'spki', format: 'der' })).toEqual(csrKey);
      expect(leafA.subject).toBe('O=Smoke\nCN=csr-leaf');
      expect(leafA.serialNumber).not.toBe(leafB.serialNumber);
      expect(leafA.serialNumber.length).toBeGreaterThanOrEqual(30);
      expect(leafB.subjectAltName).toBe('DNS:csr.test');
      const intermediate = new X509Certificate(ca.intermediatePem);
      expect(leafA.checkIssued(intermediate)).toBe(true);
      const aki = await runChecked('openssl', ['x509', '-noout', '-ext', 'authorityKeyIdentifier'], { input: a });
      const ski = await runChecked('openssl', ['x509', '-noout', '-ext', 'subjectKeyIdentifier'], { input: ca.intermediatePem });
      expect(aki.stdout.split('\n')[1]?.trim()).toBe(ski.stdout.split('\n')[1]?.trim());
    } finally {
      await work.remove();
    }
  });

  it('honours notBefore and days, so expired certificates can be made', async () => {
    const expired = await ca.issueClient({ cn: 'expired', notBefore: new Date(Date.now() - 10 * 86400_000), days: 1 });
    const result = await verify('sslclient', expired.certFile);
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toMatch(/certificate has expired/);
  });
});

describe('scanForBytes', () => {
  it('finds files holding a secret in any of its encodings and no others', async () => {
    const dir = await tempDir('smoke-scan');
    try {
      const secret = randomBytes(48);
      await mkdir(path.join(dir.path, 'sub'));
      await writeFile(path.join(dir.path, 'raw.bin'), Buffer.concat([randomBytes(10), secret]));
      await writeFile(path.join(dir.path, 'sub', 'hex.txt'), `key=${secret.toString('hex')}\n`);
      await writeFile(path.join(dir.path, 'clean.txt'), randomBytes(256));
      const hits = await scanForBytes([dir.path], encodingsOf(secret));
      expect(hits.map((f) => path.relative(dir.path, f)).sort()).toEqual(['raw.bin', 'sub/hex.txt']);
      await expect(scanForBytes([path.join(dir.path, 'missing')], [secret])).rejects.toThrow();
    } finally {
      await dir.remove();
    }
  });
});

const cli = requireBackend('keyport-cli', () => existsSync(CLI_BUNDLE) || `${CLI_BUNDLE} not found`, 'build it with npm run build:cli');
describe.skipIf(cli.missing)('runCli', () => {
  it('runs the built CLI with a data dir', async () => {
    const dataDir = await tempDir('smoke-cli');
    try {
      const result = await runCli(['--help'], { dataDir: dataDir.path });
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/keyport/i);
    } finally {
      await dataDir.remove();
    }
  });
});
