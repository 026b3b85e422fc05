/**
 * The contract the screens use, end to end: a real `keyport serve` (built CLI) on a private
 * gnome-keyring and a SoftHSM token, called over HTTP with its session cookie, its event stream
 * recorded. PKCS#12 import with progress and a wrong password; a token import that asks the page
 * for the PIN; keygen + attach; exports; a connection test against a Node https server that
 * requires our client certificate; settings; and an identity imported by the CLI in another process
 * announced on the stream without any polling by the page. (SoftHSM reads its token list once per
 * C_Initialize, so a token made by another process cannot show up live; card insert and removal
 * are covered with a virtual reader in test/serve/token-events.test.ts.)
 */
import { readFile, writeFile } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBackend } from '../testbed/backend';
import { createTestCa, type IssuedCert, type TestCa } from '../testbed/ca';
import { runCli } from '../testbed/cli';
import { startKeyring, type Keyring } from '../testbed/keyring';
import { runChecked, tempDir, type TempDir } from '../testbed/proc';
import { startSoftHsm, type SoftHsm } from '../testbed/softhsm';
import { startServe, type ServeProcess } from './serve-process';

const missing = requireBackend('openssl').missing || requireBackend('keyring').missing || requireBackend('softhsm2').missing;

const PASSWORD = 'mailed-p12-password';

describe.skipIf(missing)('the contract over keyport serve, on the real core', () => {
  let tmp: TempDir;
  let keyring: Keyring;
  let hsm: SoftHsm;
  let ca: TestCa;
  let alice: IssuedCert;
  let p12: Buffer;
  let env: Record<string, string>;
  let serve: ServeProcess;
  const file = (name: string, data: Buffer | string) => ({ name, dataBase64: Buffer.from(data).toString('base64') });
  const dataDir = () => path.join(tmp.path, 'data');

  beforeAll(async () => {
    tmp = await tempDir('app-contract');
    [keyring, hsm, ca] = await Promise.all([startKeyring(), startSoftHsm(), createTestCa({ ec: true })]);
    alice = await ca.issueClient({ cn: 'alice', ec: true });
    const passFile = path.join(tmp.path, 'pass');
    await writeFile(passFile, PASSWORD);
    const p12File = path.join(tmp.path, 'alice.p12');
    await runChecked('openssl', ['pkcs12', '-export', '-inkey', alice.keyFile, '-in', alice.certFile, '-certfile', ca.intermediateFile, '-passout', `file:${passFile}`, '-out', p12File]);
    p12 = await readFile(p12File);
    env = { ...keyring.env, ...hsm.env, KEYPORT_PKCS11_MODULES: hsm.module };
    serve = await startServe(dataDir(), env);
  }, 60_000);

  afterAll(async () => {
    await serve?.stop();
    await Promise.all([keyring?.stop(), hsm?.stop(), ca?.stop()]);
    await tmp?.remove();
  });

  it('imports a PKCS#12 into the keychain, reporting progress, and announces it', async () => {
    const from = serve.events.length;
    const answer = await serve.call('identities.import', { file: file('alice.p12', p12), password: PASSWORD, to: { kind: 'keychain' }, progressId: 'imp-1' });
    expect(answer).toMatchObject({ ok: true, value: { id: expect.any(String) } });
    const id = (answer.value as { id: string }).id;
    await serve.waitForEvent('identities.changed', (d: { id?: string }) => d.id === id, { from });
    const stages = serve.events.slice(from).filter((e) => e.event === 'progress.update').map((e) => (e.data as { stage: string }).stage);
    expect(stages).toEqual(['decrypting', 'storing', 'done']);
    const list = await serve.call('identities.list');
    expect(list.value).toEqual([expect.objectContaining({ id, label: 'alice', subject: 'CN=alice', keyStore: { kind: 'keychain' }, status: 'valid', chainLength: 2 })]);
  });

  it('refuses a wrong password with its code and one sentence, storing nothing', async () => {
    const before = await serve.call('identities.list');
    const answer = await serve.call('identities.import', { file: file('alice.p12', p12), password: 'nope', to: { kind: 'keychain' } });
    expect(answer).toMatchObject({ ok: false, error: { code: 'KEYPORT_PKCS12_WRONG_PASSWORD' } });
    expect(answer.error?.message).toMatch(/password/);
    expect(await serve.call('identities.list')).toEqual(before);
  });

  it('imports into a SoftHSM token after asking the page for the PIN, then logs out', async () => {
    const bob = await ca.issueClient({ cn: 'bob', ec: true });
    const from = serve.events.length;
    const importing = serve.call('identities.import', {
      file: file('bob.pem', `${bob.certPem}${bob.keyPem}`),
      to: { kind: 'pkcs11', token: hsm.tokenLabel },
      label: 'bob on token',
    });
    const asked = await serve.waitForEvent('pin.required', () => true, { from });
    const request = asked.data as { requestId: string; token: string; module: string };
    expect(request).toMatchObject({ token: hsm.tokenLabel, module: hsm.module });
    expect(await serve.call('pin.answer', { requestId: request.requestId, pin: hsm.pin })).toEqual({ ok: true, value: null });
    expect(await importing).toMatchObject({ ok: true });
    await serve.waitForEvent('pin.closed', (d: { requestId: string; reason: string }) => d.requestId === request.requestId && d.reason === 'answered', { from });
    // The request is over: a second answer is refused.
    expect(await serve.call('pin.answer', { requestId: request.requestId, pin: hsm.pin })).toMatchObject({ ok: false, error: { code: 'KEYPORT_NOT_FOUND' } });

    const tokens = await serve.call('tokens.list');
    expect(JSON.stringify(tokens.value)).toContain('"loggedIn":true');
    const beforeLogout = serve.events.length;
    expect(await serve.call('tokens.logout', { module: hsm.module, token: hsm.tokenLabel })).toEqual({ ok: true, value: null });
    await serve.waitForEvent('tokens.changed', () => true, { from: beforeLogout });
    expect(JSON.stringify((await serve.call('tokens.list')).value)).not.toContain('"loggedIn":true');
  });

  it('fails a token operation with KEYPORT_PIN_REQUIRED when the PIN prompt is cancelled', async () => {
    const from = serve.events.length;
    const generating = serve.call('keys.generate', { to: { kind: 'pkcs11', token: hsm.tokenLabel }, algorithm: 'EC-P256', subject: 'CN=never', sans: [] });
    const asked = await serve.waitForEvent('pin.required', () => true, { from });
    expect(await serve.call('pin.cancel', { requestId: (asked.data as { requestId: string }).requestId })).toEqual({ ok: true, value: null });
    expect(await generating).toMatchObject({ ok: false, error: { code: 'KEYPORT_PIN_REQUIRED', message: expect.stringMatching(/cancelled/) } });
    expect((await serve.call('keys.pending')).value).toEqual([]);
  });

  it('logs in with a PIN typed on the Tokens screen; a wrong one is refused', async () => {
    const address = { module: hsm.module, token: hsm.tokenLabel };
    expect(await serve.call('tokens.login', { ...address, pin: '0000' })).toMatchObject({ ok: false, error: { code: 'KEYPORT_PIN_INCORRECT' } });
    expect(await serve.call('tokens.login', { ...address, pin: hsm.pin })).toEqual({ ok: true, value: null });
    expect(JSON.stringify((await serve.call('tokens.list')).value)).toContain('"loggedIn":true');
  });

  it('generates a keychain key and CSR, lists it as pending, and attaches the issued chain', async () => {
    const generated = await serve.call('keys.generate', { to: { kind: 'keychain' }, algorithm: 'EC-P256', subject: 'CN=carol', sans: ['DNS:carol.example'], progressId: 'gen-1' });
    expect(generated).toMatchObject({ ok: true, value: { keyId: expect.any(String), csr: expect.stringContaining('BEGIN CERTIFICATE REQUEST') } });
    const { keyId, csr } = generated.value as { keyId: string; csr: string };
    expect((await serve.call('keys.pending')).value).toEqual([expect.objectContaining({ keyId, subject: 'CN=carol', sans: ['DNS:carol.example'], keyStore: { kind: 'keychain' } })]);
    const chain = await ca.signCsr(csr);
    // Another key's certificate is refused for this key.
    expect(await serve.call('keys.attach', { keyId, certificate: file('alice.pem', alice.certPem) })).toMatchObject({ ok: false, error: { code: 'KEYPORT_KEY_MISMATCH' } });
    const attached = await serve.call('keys.attach', { keyId, certificate: file('carol.pem', chain) });
    expect(attached).toMatchObject({ ok: true, value: { id: expect.any(String) } });
    expect((await serve.call('keys.pending')).value).toEqual([]);
  });

  it('exports the chain, a CSR and a PKCS#12 of a keychain identity, and refuses a PKCS#12 of a token key', async () => {
    const list = (await serve.call('identities.list')).value as Array<{ id: string; label: string }>;
    const aliceId = list.find((i) => i.label === 'alice')!.id;
    const bobId = list.find((i) => i.label === 'bob on token')!.id;
    const chain = await serve.call('identities.export', { id: aliceId, format: 'chain' });
    expect(chain).toMatchObject({ ok: true, value: { fileName: 'alice.chain.pem', encoding: 'utf8' } });
    expect((chain.value as { data: string }).data.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    expect(await serve.call('identities.export', { id: aliceId, format: 'csr' })).toMatchObject({ ok: true, value: { data: expect.stringContaining('BEGIN CERTIFICATE REQUEST') } });
    const exported = await serve.call('identities.export', { id: aliceId, format: 'pkcs12', password: 'new-password' });
    expect(exported).toMatchObject({ ok: true, value: { fileName: 'alice.p12', encoding: 'base64' } });
    const outFile = path.join(tmp.path, 'exported.p12');
    await writeFile(outFile, Buffer.from((exported.value as { data: string }).data, 'base64'));
    const info = await runChecked('openssl', ['pkcs12', '-in', outFile, '-passin', 'pass:new-password', '-nokeys', '-clcerts']);
    expect(info.stdout).toContain('CN = alice');
    expect(await serve.call('identities.export', { id: bobId, format: 'pkcs12', password: 'x' })).toMatchObject({ ok: false, error: { code: 'KEYPORT_EXPORT_NOT_ALLOWED' } });
  });

  it('runs a connection test that passes with the identity, and one that fails with the failed step', async () => {
    const server = await ca.issueServer({ sans: ['127.0.0.1'], ec: true });
    const httpsServer = https.createServer(
      { key: await readFile(server.keyFile), cert: server.chainPem, ca: await readFile(ca.chainFile), requestCert: true, rejectUnauthorized: true },
      (req, res) => res.end(`hello ${(req.socket as import('node:tls').TLSSocket).getPeerCertificate().subject.CN}\n`),
    );
    await new Promise<void>((resolve) => httpsServer.listen(0, '127.0.0.1', resolve));
    try {
      const url = `https://127.0.0.1:${(httpsServer.address() as AddressInfo).port}/`;
      const rootCa = file('root.pem', await readFile(ca.rootFile));
      const passed = await serve.call('connection.test', { url, identity: 'alice', ca: [rootCa] });
      expect(passed).toMatchObject({ ok: true, value: { ok: true, http: { status: 200, bodyPreview: 'hello alice\n' } } });
      // Saved as an endpoint (by the CLI, which keeps the CA file's path), re-run from the page into its history.
      const from = serve.events.length;
      const added = await runCli(['endpoints', 'add', 'local', url, '--identity', 'alice', '--ca', ca.rootFile], { dataDir: dataDir(), env: keyring.env });
      expect(added.code).toBe(0);
      await serve.waitForEvent('endpoints.changed', () => true, { from });
      expect(await serve.call('endpoints.test', { name: 'local' })).toMatchObject({ ok: true, value: { ok: true, identity: expect.any(String) } });
      const [saved] = (await serve.call('endpoints.list')).value as Array<{ name: string; history: Array<{ ok: boolean }> }>;
      expect(saved).toMatchObject({ name: 'local', ca: [ca.rootFile], history: [{ ok: true }] });
      expect(await serve.call('endpoints.add', { name: 'local', url })).toMatchObject({ ok: false, error: { code: 'KEYPORT_ALREADY_EXISTS' } });
      expect(await serve.call('endpoints.add', { name: 'other', url, identity: 'alice' })).toMatchObject({ ok: true, value: { name: 'other', ca: [], http: true } });
      expect(await serve.call('endpoints.remove', { name: 'other' })).toEqual({ ok: true, value: null });
      const untrusted = await serve.call('connection.test', { url, identity: 'alice' });
      expect(untrusted).toMatchObject({ ok: true, value: { ok: false, diagnoses: [{ code: 'server-cert-untrusted', severity: 'error' }] } });
      const steps = (untrusted.value as { steps: Array<{ step: string; ok: boolean; error?: { code: string } }> }).steps;
      expect(steps.find((s) => s.step === 'handshake')).toMatchObject({ ok: false, error: { code: 'KEYPORT_TLS_UNKNOWN_CA' } });
      expect((untrusted.value as { reproduce: { openssl: string } }).reproduce.openssl).toMatch(/^openssl s_client/);
    } finally {
      httpsServer.closeAllConnections();
      await new Promise((resolve) => httpsServer.close(resolve));
    }
  });

  it('keeps settings in settings.json and announces a change', async () => {
    expect(await serve.call('settings.get')).toEqual({ ok: true, value: { theme: 'system', pinIdleTimeoutMinutes: 15, notifications: true } });
    const from = serve.events.length;
    expect(await serve.call('settings.set', { theme: 'dark', pinIdleTimeoutMinutes: 5 })).toEqual({ ok: true, value: { theme: 'dark', pinIdleTimeoutMinutes: 5, notifications: true } });
    await serve.waitForEvent('settings.changed', (d: { theme: string }) => d.theme === 'dark', { from });
    expect(JSON.parse(await readFile(path.join(dataDir(), 'settings.json'), 'utf8'))).toMatchObject({ theme: 'dark', pinIdleTimeoutMinutes: 5 });
  });

  it('announces an identity the CLI imported in another process', async () => {
    const dave = await ca.issueClient({ cn: 'dave', ec: true });
    const from = serve.events.length;
    const imported = await runCli(['import', dave.certFile, '--key', dave.keyFile, '--json'], { dataDir: dataDir(), env: keyring.env });
    expect(imported.code).toBe(0);
    await serve.waitForEvent('identities.changed', () => true, { from, timeoutMs: 5000 });
    expect(JSON.stringify((await serve.call('identities.list')).value)).toContain('CN=dave');
  });
});
