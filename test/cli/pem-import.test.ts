/**
 * PEM import through the CLI into the keychain: PKCS#1, SEC1 and PKCS#8 keys, encrypted PKCS#8
 * (PBES2) with its password, the key in the same file as the certificate, and the failures.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBackend } from '../testbed/backend';
import { createTestCa, type TestCa } from '../testbed/ca';
import { runCli } from '../testbed/cli';
import { startKeyring, type Keyring } from '../testbed/keyring';
import { runChecked } from '../testbed/proc';

const status = requireBackend('keyring');

describe.skipIf(status.missing)('PEM import', () => {
  let kr: Keyring;
  let ca: TestCa;
  let dataDir: string;
  let work: string;
  const cli = (args: string[]) => runCli(args, { dataDir, env: kr.env });

  beforeAll(async () => {
    [kr, ca] = await Promise.all([startKeyring(), createTestCa({ ec: true })]);
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'keyport-pem-data-'));
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'keyport-pem-work-'));
  });
  afterAll(async () => {
    await Promise.all([kr?.stop(), ca?.stop()]);
    await fs.rm(dataDir, { recursive: true, force: true });
    await fs.rm(work, { recursive: true, force: true });
  });

  /** Re-encodes the issued key with openssl into the given form; returns the new key file. */
  async function convert(keyFile: string, name: string, args: string[]): Promise<string> {
    const out = path.join(work, name);
    await runChecked('openssl', [...args, '-in', keyFile, '-out', out]);
    return out;
  }

  async function importOk(args: string[], label: string): Promise<void> {
    const r = await cli(['import', ...args, '--label', label, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const list = JSON.parse((await cli(['list', '--json'])).stdout);
    expect(list.find((i: { id: string }) => i.id === JSON.parse(r.stdout).id).label).toBe(label);
  }

  it('reads a PKCS#1 RSA key', async () => {
    const c = await ca.issueClient({ cn: 'rsa-pkcs1', ec: false });
    const key = await convert(c.keyFile, 'pkcs1.pem', ['rsa', '-traditional']);
    expect(await fs.readFile(key, 'utf8')).toContain('BEGIN RSA PRIVATE KEY');
    await importOk([c.chainFile, '--key', key], 'pkcs1');
  });

  it('reads a SEC1 EC key', async () => {
    const c = await ca.issueClient({ cn: 'ec-sec1', ec: true });
    const key = await convert(c.keyFile, 'sec1.pem', ['ec']);
    expect(await fs.readFile(key, 'utf8')).toContain('BEGIN EC PRIVATE KEY');
    await importOk([c.chainFile, '--key', key], 'sec1');
  });

  it('reads a key and certificate from one PEM file', async () => {
    const c = await ca.issueClient({ cn: 'combined', ec: true });
    const both = path.join(work, 'combined.pem');
    await fs.writeFile(both, `${await fs.readFile(c.keyFile, 'utf8')}${c.chainPem}`);
    await importOk([both], 'combined');
  });

  it('reads an encrypted PKCS#8 key with --password-file, refuses a wrong or missing password', async () => {
    const c = await ca.issueClient({ cn: 'encrypted', ec: true });
    const pw = path.join(work, 'pw');
    await fs.writeFile(pw, 'correct horse\n');
    const key = path.join(work, 'enc.pem');
    await runChecked('openssl', ['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-in', c.keyFile, '-out', key, '-passout', `file:${pw}`]);
    expect(await fs.readFile(key, 'utf8')).toContain('BEGIN ENCRYPTED PRIVATE KEY');

    const before = await fs.readFile(path.join(dataDir, 'identities.json'), 'utf8');
    const wrongPw = path.join(work, 'wrong');
    await fs.writeFile(wrongPw, 'battery staple\n');
    const wrong = await cli(['import', c.chainFile, '--key', key, '--password-file', wrongPw, '--json']);
    expect(wrong.code).toBe(4);
    expect(JSON.parse(wrong.stderr).error.code).toBe('KEYPORT_KEY_WRONG_PASSWORD');
    const missing = await cli(['import', c.chainFile, '--key', key, '--json']);
    expect(missing.code).toBe(4);
    expect(JSON.parse(missing.stderr).error.message).toContain('--password-file');
    expect(await fs.readFile(path.join(dataDir, 'identities.json'), 'utf8')).toBe(before);

    await importOk([c.chainFile, '--key', key, '--password-file', pw], 'encrypted');
  });

  it('refuses a certificate-only PEM and a malformed key with one sentence', async () => {
    const c = await ca.issueClient({ cn: 'nokey', ec: true });
    const r = await cli(['import', c.chainFile, '--json']);
    expect(r.code).toBe(6);
    expect(JSON.parse(r.stderr).error.message).toContain('--key');
    const junk = path.join(work, 'junk.pem');
    await fs.writeFile(junk, '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n');
    const bad = await cli(['import', c.chainFile, '--key', junk, '--json']);
    expect(bad.code).toBe(6);
    expect(JSON.parse(bad.stderr).error.code).toBe('KEYPORT_KEY_INVALID');
  });
});
