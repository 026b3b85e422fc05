/**
 * The app's core pieces around Keyport: the PIN broker (answer, cancel, time-out), the settings
 * file, the idle logout clock, and AppServices ending every token login on lock (a real SoftHSM
 * token through the token host), its proxy routes forgetting their TLS sessions then.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AppServices } from '../../src/core/app-services';
import { IdleLogout } from '../../src/core/app-services/idle-logout';
import { PinBroker } from '../../src/core/app-services/pin-broker';
import { SettingsStore } from '../../src/core/app-services/settings-store';
import { createEventHub } from '../../src/shared/events';
import { get } from '../proxy/client';
import { startWhoamiServer } from '../proxy/whoami-server';
import { requireBackend } from '../testbed/backend';
import { createTestCa } from '../testbed/ca';
import { runCli } from '../testbed/cli';
import { freePort, tempDir, type TempDir } from '../testbed/proc';
import { startSoftHsm, type SoftHsm } from '../testbed/softhsm';

function recorder() {
  const events = createEventHub();
  const seen: Array<[string, unknown]> = [];
  for (const name of ['pin.required', 'pin.closed', 'tokens.changed'] as const) events.subscribe(name, (payload) => seen.push([name, payload]));
  return { events, seen };
}

describe('PinBroker', () => {
  it('hands the answer to the waiting login, once, and says the dialog can close', async () => {
    const { events, seen } = recorder();
    const broker = new PinBroker(events, 5000);
    const pin = broker.source({ module: '/m.so', token: 'card' });
    const [, request] = seen[0] as [string, { requestId: string; token: string; expiresInMs: number }];
    expect(request).toMatchObject({ token: 'card', module: '/m.so', expiresInMs: 5000 });
    expect(broker.answer(request.requestId, '1234')).toBe(true);
    await expect(pin).resolves.toBe('1234');
    expect(broker.answer(request.requestId, '1234')).toBe(false);
    expect(seen[1]).toEqual(['pin.closed', { requestId: request.requestId, reason: 'answered' }]);
  });

  it('fails with KEYPORT_PIN_REQUIRED when cancelled, timed out, or the app closes', async () => {
    const { events, seen } = recorder();
    const broker = new PinBroker(events, 50);
    const cancelled = broker.source({ module: '/m.so', token: 'a' });
    broker.cancel((seen[0]![1] as { requestId: string }).requestId);
    await expect(cancelled).rejects.toMatchObject({ code: 'KEYPORT_PIN_REQUIRED', message: expect.stringMatching(/cancelled/) });
    await expect(broker.source({ module: '/m.so', token: 'b' })).rejects.toMatchObject({ code: 'KEYPORT_PIN_REQUIRED', message: expect.stringMatching(/within/) });
    expect(seen.filter(([name]) => name === 'pin.closed').map(([, p]) => (p as { reason: string }).reason)).toEqual(['cancelled', 'timeout']);
    const closing = broker.source({ module: '/m.so', token: 'c' });
    broker.cancelAll();
    await expect(closing).rejects.toMatchObject({ code: 'KEYPORT_PIN_REQUIRED' });
  });
});

describe('SettingsStore', () => {
  let tmp: TempDir;
  beforeAll(async () => (tmp = await tempDir('settings')));
  afterAll(() => tmp.remove());

  it('gives the defaults without a file, keeps changes owner-only, and falls back per field on bad content', async () => {
    const store = new SettingsStore(path.join(tmp.path, 'data'));
    expect(await store.read()).toEqual({ theme: 'system', pinIdleTimeoutMinutes: 15, notifications: true });
    expect(await store.update({ theme: 'light' })).toEqual({ theme: 'light', pinIdleTimeoutMinutes: 15, notifications: true });
    expect((await stat(store.file)).mode & 0o777).toBe(0o600);
    await writeFile(store.file, JSON.stringify({ theme: 'neon', pinIdleTimeoutMinutes: 3, notifications: 'yes' }));
    expect(await store.read()).toEqual({ theme: 'system', pinIdleTimeoutMinutes: 3, notifications: true });
    await writeFile(store.file, '{not json');
    expect(await store.read()).toEqual({ theme: 'system', pinIdleTimeoutMinutes: 15, notifications: true });
    await Promise.all([store.update({ theme: 'dark' }), store.update({ notifications: false })]);
    expect(JSON.parse(await readFile(store.file, 'utf8'))).toEqual({ theme: 'dark', pinIdleTimeoutMinutes: 15, notifications: false });
  });
});

describe('IdleLogout', () => {
  it('logs out after the idle time, restarts on use, never with 0, and at once on lock', async () => {
    vi.useFakeTimers();
    try {
      let logouts = 0;
      const idle = new IdleLogout(async () => void logouts++, () => {});
      idle.setTimeoutMinutes(2);
      await vi.advanceTimersByTimeAsync(90_000);
      idle.touch();
      await vi.advanceTimersByTimeAsync(90_000);
      expect(logouts).toBe(0);
      await vi.advanceTimersByTimeAsync(30_000);
      expect(logouts).toBe(1);
      idle.setTimeoutMinutes(0);
      await vi.advanceTimersByTimeAsync(3_600_000);
      expect(logouts).toBe(1);
      await idle.lockNow();
      expect(logouts).toBe(2);
      idle.stop();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe.skipIf(requireBackend('softhsm2').missing || requireBackend('openssl').missing)('AppServices on a SoftHSM token', () => {
  let tmp: TempDir;
  let hsm: SoftHsm;
  beforeAll(async () => {
    [tmp, hsm] = await Promise.all([tempDir('app-services'), startSoftHsm()]);
  });
  afterAll(async () => {
    await hsm?.stop();
    await tmp?.remove();
  });

  it('ends every token login on lock and announces it', async () => {
    const { events, seen } = recorder();
    const services = new AppServices({ dataDir: tmp.path, pkcs11Modules: [hsm.module], env: { ...process.env, ...hsm.env }, events, tokenPollMs: 60_000 });
    try {
      const address = { module: hsm.module, token: hsm.tokenLabel };
      await services.loginToken(address, hsm.pin);
      const loggedIn = async () => (await services.listTokens()).flatMap((m) => m.slots).some((s) => s.token?.loggedIn);
      expect(await loggedIn()).toBe(true);
      await services.lockTokens();
      expect(await loggedIn()).toBe(false);
      expect(seen.map(([name]) => name)).toContain('tokens.changed');
    } finally {
      await services.close();
    }
  });

  it('regression: after lock, a route still resumed its TLS session and reached the server as you without the key; now the next connection signs again, after the PIN', async () => {
    const ca = await createTestCa({ ec: true });
    const server = await ca.issueServer({ sans: ['DNS:localhost'], ec: true });
    const whoami = await startWhoamiServer({ keyFile: server.keyFile, chainPem: server.chainPem, caFile: ca.rootFile }); // TLS 1.3: tickets
    const { events, seen } = recorder();
    const services = new AppServices({ dataDir: tmp.path, pkcs11Modules: [hsm.module], env: { ...process.env, ...hsm.env }, events, tokenPollMs: 60_000 });
    events.subscribe('pin.required', (r) => void services.pins.answer(r.requestId, hsm.pin));
    try {
      const withPin = { dataDir: tmp.path, env: { ...hsm.env, KEYPORT_PIN: hsm.pin } };
      const key = await runCli(['--pkcs11-module', hsm.module, 'keygen', '--to', `pkcs11:${hsm.tokenLabel}`, '--subject', 'CN=lock-alice', '--json'], withPin);
      const { keyId, csr } = JSON.parse(key.stdout) as { keyId: string; csr: string };
      const certFile = path.join(tmp.path, 'lock-alice.pem');
      await writeFile(certFile, await ca.signCsr(csr, { eku: ['clientAuth'] }));
      const id = (JSON.parse((await runCli(['--pkcs11-module', hsm.module, 'attach', keyId, certFile, '--json'], withPin)).stdout) as { id: string }).id;
      const port = await freePort();
      const caFile = { name: 'root.pem', dataBase64: (await readFile(ca.rootFile)).toString('base64') };
      await services.routes.add({ name: 'locked', listen: `127.0.0.1:${port}`, upstream: `127.0.0.1:${whoami.port}`, identity: id, ca: [caFile], servername: 'localhost' });
      await services.routes.start();
      const handshakes = async () => {
        const stats = (await services.routes.list()).routes[0]!.stats!;
        return [stats.handshakesFull, stats.handshakesResumed];
      };
      const pinsAsked = () => seen.filter(([name]) => name === 'pin.required').length;
      for (let i = 0; i < 2; i++) expect((await get(port, '/whoami')).status).toBe(200);
      expect(await handshakes()).toEqual([1, 1]);
      expect(pinsAsked()).toBe(1);
      await services.lockTokens();
      expect((await get(port, '/whoami')).status).toBe(200);
      expect(await handshakes()).toEqual([2, 1]);
      expect(pinsAsked()).toBe(2);
    } finally {
      await services.close();
      await whoami.stop();
      await ca.stop();
    }
  });
});
