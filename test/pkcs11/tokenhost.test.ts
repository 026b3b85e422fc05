/**
 * The token host as a process: module refusal, request validation, a host killed or frozen in
 * the middle of signing, and the bundled entry. Runs against a real SoftHSM2 token.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isKeyportError } from '../../src/shared/errors';
import { Pkcs11KeyStore } from '../../src/core/keystores/pkcs11';
import type { KeyRef } from '../../src/core/keystores/types';
import { TokenHostClient } from '../../src/core/tokenhost/client';
import { requireBackend } from '../testbed/backend';
import { startSoftHsm, type SoftHsm } from '../testbed/softhsm';
import { verifies } from './token-suite';

const { missing } = requireBackend('softhsm2');
const LIBZ = '/usr/lib/x86_64-linux-gnu/libz.so.1';

describe.skipIf(missing)('token host process', () => {
  let tok: SoftHsm;
  let dir: string;
  const clients: TokenHostClient[] = [];
  const client = (opts: ConstructorParameters<typeof TokenHostClient>[0] = {}): TokenHostClient => {
    const c = new TokenHostClient({ env: { ...process.env, ...tok.env }, ...opts });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    tok = await startSoftHsm();
    dir = mkdtempSync(join(tmpdir(), 'keyport-tokenhost-'));
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await tok?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a shared library that is not PKCS#11 with KEYPORT_PKCS11_MODULE_INVALID', async () => {
    const err = await client().call('login', { module: LIBZ, token: 'x', pin: '1' }).catch((e: unknown) => e);
    expect(isKeyportError(err, 'KEYPORT_PKCS11_MODULE_INVALID')).toBe(true);
    expect((err as Error).message).toMatch(/^\/usr\/lib\/x86_64-linux-gnu\/libz\.so\.1 is not a PKCS#11 module: .*C_GetFunctionList/);
  });

  it('refuses a text file as a module, and reports a missing file as KEYPORT_PKCS11_MODULE_NOT_FOUND', async () => {
    const text = join(dir, 'not-a-module.so');
    writeFileSync(text, 'just text\n');
    const host = client();
    const err = await host.call('findObjects', { module: text, token: 'x' }).catch((e: unknown) => e);
    expect(isKeyportError(err, 'KEYPORT_PKCS11_MODULE_INVALID')).toBe(true);
    expect((err as Error).message).toContain(`${text} is not a PKCS#11 module`);
    const gone = await host.call('findObjects', { module: join(dir, 'absent.so'), token: 'x' }).catch((e: unknown) => e);
    expect(isKeyportError(gone, 'KEYPORT_PKCS11_MODULE_NOT_FOUND')).toBe(true);
  });

  it('lists a bad module with its error next to the good one instead of failing the listing', async () => {
    const listing = await client().call('listTokens', { modules: [tok.module, LIBZ] });
    expect(listing[0]?.error).toBeUndefined();
    expect(listing[0]?.slots.some((s) => s.token?.label === tok.tokenLabel)).toBe(true);
    expect(listing[1]?.error?.code).toBe('KEYPORT_PKCS11_MODULE_INVALID');
  });

  it('validates requests in the host: a relative module path or a non-hex key ID is KEYPORT_INVALID_REQUEST', async () => {
    const host = client();
    const relative = await host.call('listTokens', { modules: ['libsofthsm2.so'] }).catch((e: unknown) => e);
    expect(isKeyportError(relative, 'KEYPORT_INVALID_REQUEST')).toBe(true);
    const badId = await host
      .call('sign', { module: tok.module, token: tok.tokenLabel, keyId: 'zz', scheme: 'rsa_pss_rsae_sha256', data: new Uint8Array(1) })
      .catch((e: unknown) => e);
    expect(isKeyportError(badId, 'KEYPORT_INVALID_REQUEST')).toBe(true);
    expect((badId as Error).message).toContain('keyId');
  });

  it('rejects every pending sign with KEYPORT_TOKENHOST_CRASHED promptly when the host is SIGKILLed, and the next sign runs in a new host after a fresh login', async () => {
    const host = client();
    let pinAsked = 0;
    const store = new Pkcs11KeyStore({ host, modules: [tok.module], pin: async () => (pinAsked++, tok.pin) });
    const key = await store.generate('RSA-3072', { label: 'crash', token: tok.tokenLabel });
    const signer = await store.signer(key.ref);
    const firstPid = host.pid!;
    // Enough slow RSA-3072 signs queued that the host is busy signing when it dies.
    const signs = Array.from({ length: 300 }, () => signer.sign('rsa_pss_rsae_sha256', Buffer.from('data')).then(() => 'signed', (e: unknown) => e));
    await signs[0];
    const killedAt = Date.now();
    process.kill(firstPid, 'SIGKILL');
    const outcomes = await Promise.all(signs);
    const settledMs = Date.now() - killedAt;
    const crashed = outcomes.filter((o) => isKeyportError(o, 'KEYPORT_TOKENHOST_CRASHED'));
    expect(crashed.length).toBeGreaterThan(0);
    expect(outcomes.every((o) => o === 'signed' || isKeyportError(o, 'KEYPORT_TOKENHOST_CRASHED'))).toBe(true);
    expect((crashed[0] as Error).message).toBe('The token host stopped while signing; try again.');
    expect(settledMs).toBeLessThan(2_000);

    const data = Buffer.from('after the crash');
    const signature = await signer.sign('rsa_pss_rsae_sha256', data);
    expect(verifies(key.publicKeySpki, 'rsa_pss_rsae_sha256', data, signature)).toBe(true);
    expect(host.pid).not.toBe(firstPid);
    expect(pinAsked).toBe(2);
  });

  it('times out a frozen host with KEYPORT_TOKENHOST_TIMEOUT and replaces it on the next call', async () => {
    const host = client({ timeouts: { sign: 1_500 } });
    await host.call('login', { module: tok.module, token: tok.tokenLabel, pin: tok.pin });
    const { keyId } = await host.call('generateKey', { module: tok.module, token: tok.tokenLabel, algorithm: 'EC-P256', label: 'frozen' });
    const frozenPid = host.pid!;
    process.kill(frozenPid, 'SIGSTOP');
    const params = { module: tok.module, token: tok.tokenLabel, keyId, scheme: 'ecdsa_secp256r1_sha256' as const, data: new Uint8Array([1]) };
    const started = Date.now();
    const err = await host.call('sign', params).catch((e: unknown) => e);
    expect(isKeyportError(err, 'KEYPORT_TOKENHOST_TIMEOUT')).toBe(true);
    expect((err as Error).message).toBe('The token host did not answer within 1.5 s while signing; check the token and try again.');
    expect(Date.now() - started).toBeLessThan(3_000);
    // The next call starts a new host (its start-up is not held to the 1.5 s sign limit, so warm it
    // with a call on the default timeout first: on a loaded machine a cold start alone can take that).
    await host.call('listTokens', { modules: [tok.module] });
    // The new host has no login; the key is private, so it asks for the PIN again.
    const relog = await host.call('sign', params).catch((e: unknown) => e);
    expect(isKeyportError(relog, 'KEYPORT_PIN_REQUIRED')).toBe(true);
    expect(host.pid).not.toBe(frozenPid);
    expect(() => process.kill(frozenPid, 0)).toThrow();
  });

  it('runs from the esbuild bundle (pkcs11js external) just like from source', async () => {
    await build({
      entryPoints: { tokenhost: 'src/core/tokenhost/host.ts' },
      outdir: dir,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      external: ['keytar', 'pkcs11js', 'electron'],
      nodePaths: [join(process.cwd(), 'node_modules')],
      logLevel: 'silent',
    });
    const entry = join(dir, 'tokenhost.js');
    const host = client({ entry, env: { ...process.env, ...tok.env, NODE_PATH: join(process.cwd(), 'node_modules') } });
    const listing = await host.call('listTokens', { modules: [tok.module] });
    expect(listing[0]?.slots.some((s) => s.token?.label === tok.tokenLabel)).toBe(true);
  });

  it('keeps working for the key store after a token host close: a new host starts on demand', async () => {
    const host = client();
    const store = new Pkcs11KeyStore({ host, modules: [tok.module], pin: async () => tok.pin });
    const key = await store.generate('EC-P256', { label: 'reopen', token: tok.tokenLabel });
    await host.close();
    const ref: KeyRef = key.ref;
    const signer = await store.signer(ref);
    const data = Buffer.from('reopened');
    expect(verifies(key.publicKeySpki, 'ecdsa_secp256r1_sha256', data, await signer.sign('ecdsa_secp256r1_sha256', data))).toBe(true);
  });
});
