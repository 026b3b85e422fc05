/**
 * What the desktop app runs beside its window, in process as Electron main runs it: the renewal
 * scheduler (a real step-ca renews an identity that is due, announced as `renewal.notice` and
 * `renewal.changed`) and the saved proxy routes (listening after startBackground, closed by close()).
 */
import { connect } from 'node:net';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppServices } from '../../src/core/app-services';
import type { ContractEvents } from '../../src/shared/contract';
import { createEventHub } from '../../src/shared/events';
import { enroll, startEnrollBed, startNginx, type EnrollBed } from '../enroll/bed';
import { keychainBackend, type Backend } from '../identity/backends';
import { requireBackend } from '../testbed/backend';
import { freePort, tempDir, waitUntil, type TempDir } from '../testbed/proc';
import { STEP_CA_HINT, STEP_CA_PROBE } from '../testbed/step-ca';
import { TLS_SERVER_PROBES, type TlsServer } from '../testbed/tls-servers';

const missing = [
  requireBackend('step-ca', STEP_CA_PROBE, STEP_CA_HINT),
  requireBackend('openssl'),
  requireBackend('keyring'),
  requireBackend('tls-nginx', TLS_SERVER_PROBES.nginx),
].some((b) => b.missing);

/** True when something accepts TCP connections on the loopback port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => resolve(socket.destroy() && true));
    socket.once('error', () => resolve(false));
  });
}

describe.skipIf(missing)('AppServices background: scheduler and routes', () => {
  let bed: EnrollBed;
  let nginx: TlsServer;
  let keychain: Backend;
  let data: TempDir;
  let id: string;
  let saved: Record<string, string | undefined> | undefined;

  beforeAll(async () => {
    [bed, keychain, data] = await Promise.all([startEnrollBed({ certDuration: '1m' }), keychainBackend(), tempDir('app-background')]);
    nginx = await startNginx(bed.ca);
    id = await enroll(bed, keychain, data.path, 'due.example');
    // keytar (the keychain store) reaches the Secret Service through this process's own environment.
    saved = Object.fromEntries(Object.keys(keychain.env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, keychain.env);
  }, 90_000);

  afterAll(async () => {
    for (const [k, v] of Object.entries(saved ?? {})) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await nginx?.stop();
    await Promise.all([bed?.stop(), keychain?.stop()]);
    await data?.remove();
  });

  it('renews a due identity once it is due and runs the saved routes until close()', async () => {
    const events = createEventHub();
    const notices: Array<ContractEvents['renewal.notice']> = [];
    const changed: string[] = [];
    events.subscribe('renewal.notice', (n) => notices.push(n));
    events.subscribe('renewal.changed', (c) => changed.push(c.id ?? ''));
    const services = new AppServices({ dataDir: data.path, env: { ...process.env, ...keychain.env }, events });
    const port = await freePort();
    try {
      const root = { name: 'root.pem', dataBase64: (await readFile(bed.ca.rootFile)).toString('base64') };
      // At 1% of a one-minute lifetime (clamped to the 5% floor, plus jitter) it is due within 6 s.
      const settings = await services.setRenewal({ id, provider: { kind: 'step-ca', caUrl: bed.stepCa.url, root }, at: 0.01 });
      expect(Date.parse(settings.nextRunAt!) - Date.now(), 'the identity is due within seconds').toBeLessThan(6_000);
      const before = (await services.showIdentity(id)).serial;
      await services.addRoute({ name: 'web', listen: `127.0.0.1:${port}`, upstream: `127.0.0.1:${nginx.port}`, identity: id });
      expect(await listening(port), 'saved routes wait for start').toBe(false);

      await services.startBackground({ tickMs: 250 });
      expect(services.routes.running).toBe(true);
      expect(await listening(port)).toBe(true);
      await waitUntil(() => notices.some((n) => n.type === 'renewed'), { what: 'the scheduler renewed', timeoutMs: 20_000 }).catch((e: Error) => {
        throw new Error(`${e.message}; notices: ${JSON.stringify(notices)}`);
      });
      const renewed = notices.find((n) => n.type === 'renewed');
      expect(renewed).toMatchObject({ id, previousSerial: before });
      expect((await services.showIdentity(id)).serial).toBe((renewed as { serial: string }).serial);
      expect(changed).toContain(id);
      expect(notices.filter((n) => n.type === 'renew-failed')).toEqual([]);
    } finally {
      await services.close();
    }
    expect(services.routes.running).toBe(false);
    expect(await listening(port), 'close() stopped the routes').toBe(false);
  });
});
