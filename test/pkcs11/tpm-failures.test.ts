/**
 * TPM failures through tpm2-pkcs11, each on its own TPM: the device dying mid-signing gives a
 * clean error rather than a hang, and dictionary-attack lockout shows as a locked PIN.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isKeyportError } from '../../src/shared/errors';
import { Pkcs11KeyStore } from '../../src/core/keystores/pkcs11';
import { TokenHostClient } from '../../src/core/tokenhost/client';
import { requireBackend } from '../testbed/backend';
import { startTpm, type Tpm } from '../testbed/tpm';

const { missing } = requireBackend('tpm');
const WRONG_PIN = 'wrong-7319';

describe.skipIf(missing)('TPM stopped while signing', () => {
  let tpm: Tpm;
  let host: TokenHostClient;

  beforeAll(async () => {
    tpm = await startTpm();
    host = new TokenHostClient({ env: { ...process.env, ...tpm.env }, timeouts: { sign: 20_000 } });
  });
  afterAll(async () => {
    await host?.close();
    await tpm?.stop();
  });

  it('fails the signs after swtpm stops with KEYPORT_TOKEN_ERROR naming the token, within seconds', async () => {
    const store = new Pkcs11KeyStore({ host, modules: [tpm.module], pin: async () => tpm.pin });
    const key = await store.generate('EC-P256', { label: 'dies', token: tpm.tokenLabel });
    const signer = await store.signer(key.ref);
    let signed = 0;
    const loop = (async () => {
      for (;;) {
        await signer.sign('ecdsa_secp256r1_sha256', Buffer.from('tick'));
        signed++;
      }
    })().catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 300));
    const stoppedAt = Date.now();
    await tpm.stopTpmDaemon();
    const err = await loop;
    expect(signed).toBeGreaterThan(0);
    expect(isKeyportError(err, 'KEYPORT_TOKEN_ERROR')).toBe(true);
    expect((err as Error).message).toMatch(new RegExp(`^Token "${tpm.tokenLabel}" failed while signing \\(CKR_\\w+\\); check the device and try again\\.$`));
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);
    const again = await signer.sign('ecdsa_secp256r1_sha256', Buffer.from('again')).catch((e: unknown) => e);
    expect(isKeyportError(again, 'KEYPORT_TOKEN_ERROR')).toBe(true);
  });
});

describe.skipIf(missing)('TPM PIN lockout', () => {
  let tpm: Tpm;
  let host: TokenHostClient;

  beforeAll(async () => {
    tpm = await startTpm();
    host = new TokenHostClient({ env: { ...process.env, ...tpm.env } });
  });
  afterAll(async () => {
    await host?.close();
    await tpm?.stop();
  });

  it('reports wrong PINs as KEYPORT_PIN_INCORRECT until the TPM locks, then KEYPORT_PIN_LOCKED even for the right PIN', async () => {
    const address = { module: tpm.module, token: tpm.tokenLabel };
    const codes: string[] = [];
    // With KEYPORT_DEBUG=1 the host forwards module chatter (tpm2-pkcs11 logs failed unseals) to our
    // stderr: no PIN may be in it.
    const output: string[] = [];
    process.env.KEYPORT_DEBUG = '1';
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (output.push(String(chunk)), true));
    try {
      for (let i = 0; i < 4; i++) {
        const err = await host.call('login', { ...address, pin: WRONG_PIN }).catch((e: unknown) => e);
        codes.push(isKeyportError(err) ? err.code : 'resolved');
        expect(isKeyportError(err) && err.message.includes(WRONG_PIN)).toBe(false);
      }
    } finally {
      spy.mockRestore();
      delete process.env.KEYPORT_DEBUG;
    }
    expect(output.join('')).not.toContain(WRONG_PIN);
    expect(codes.slice(0, 2)).toEqual(['KEYPORT_PIN_INCORRECT', 'KEYPORT_PIN_INCORRECT']);
    expect(codes[3]).toBe('KEYPORT_PIN_LOCKED');
    const right = await host.call('login', { ...address, pin: tpm.pin }).catch((e: unknown) => e);
    expect(isKeyportError(right, 'KEYPORT_PIN_LOCKED')).toBe(true);
    expect((right as Error).message).toMatch(new RegExp(`^Token "${tpm.tokenLabel}" has locked its user PIN`));
    const [mod] = await host.call('listTokens', { modules: [tpm.module] });
    expect(mod?.slots.find((s) => s.token?.label === tpm.tokenLabel)?.token?.loggedIn).toBe(false);
  });
});
