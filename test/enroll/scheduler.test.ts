/**
 * The scheduler in a real `keyport daemon` against a real step-ca, with the wall clock moved through
 * the test hook KEYPORT_TEST_CLOCK_OFFSET_FILE (src/core/enroll/clock.ts): a jump past the renewal
 * point (a laptop waking from a night's sleep) is caught up on the next tick, not when a timer set
 * before it would fire; an expired identity is never sent to /1.0/renew (the CA's log shows no
 * request), the CLI says to enroll again, and the daemon marks it `needs re-enroll`.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keychainBackend, type Backend } from '../identity/backends';
import { requireBackend } from '../testbed/backend';
import { tempDir, type TempDir } from '../testbed/proc';
import { STEP_CA_HINT, STEP_CA_PROBE } from '../testbed/step-ca';
import { cli, enroll, json, startDaemon, startEnrollBed, type Daemon, type EnrollBed } from './bed';

const missing = [requireBackend('step-ca', STEP_CA_PROBE, STEP_CA_HINT), requireBackend('keyring')].some((b) => b.missing);

describe.skipIf(missing)('renewal scheduler and the wall clock', () => {
  let bed: EnrollBed;
  let b: Backend;
  let data: TempDir;
  let clockFile: string;
  let daemon: Daemon | undefined;
  beforeAll(async () => {
    [bed, b, data] = await Promise.all([startEnrollBed({ certDuration: '10m' }), keychainBackend(), tempDir('enroll-clock')]);
    clockFile = path.join(bed.scratch.path, 'clock-offset');
    await setClock(0);
  }, 60_000);
  afterAll(async () => {
    await daemon?.proc.stop();
    await b?.stop();
    await data?.remove();
    await bed?.stop();
  });

  const renewRequests = (): number => (bed.stepCa.proc.output().match(/path=\/1\.0\/renew\b/g) ?? []).length;
  const setClock = (offsetMs: number): Promise<void> => writeFile(clockFile, String(offsetMs));
  const withClock = { KEYPORT_TEST_CLOCK_OFFSET_FILE: '' };

  it('catches up at once after the wall clock jumps past the renewal point', async () => {
    withClock.KEYPORT_TEST_CLOCK_OFFSET_FILE = clockFile;
    const id = await enroll(bed, b, data.path, 'sleeper.example');
    const before = (await json(b, data.path, ['show', id])).serial;
    daemon = await startDaemon(b, data.path, [], withClock);
    await new Promise((r) => setTimeout(r, 2500));
    expect(daemon.lines('renewed'), 'nothing is due yet').toEqual([]);
    const requestsBefore = renewRequests();
    await setClock(8 * 60_000); // 8 of 10 minutes: past the 0.66 (+-0.03 jitter) point, not expired
    const jumped = Date.now();
    const [line] = await daemon.waitFor('renewed', { id, timeoutMs: 15_000 });
    expect(Date.now() - jumped, 'on the next ticks, not a timer').toBeLessThan(10_000);
    expect(line).toContain(`previousSerial="${before}"`);
    expect(daemon.lines('clock-jump').length).toBeGreaterThan(0);
    expect(renewRequests(), 'the CA saw the renewal').toBe(requestsBefore + 1);
    expect((await json(b, data.path, ['show', id])).serial).not.toBe(before);
    await daemon.proc.stop();
    expect(daemon.proc.output()).toMatch(/ stopped\n?$/);
    daemon = undefined;
  }, 90_000);

  it('never sends an expired identity to /1.0/renew: the CLI says to enroll again, the daemon marks it', async () => {
    const id = await enroll(bed, b, data.path, 'expired.example');
    await setClock(11 * 60_000); // past notAfter of the 10-minute certificate
    const requests = renewRequests();
    const r = await cli(b, data.path, ['renew', id, '--json'], withClock);
    expect(r.code).toBe(7);
    const error = JSON.parse(r.stderr.trim().split('\n').pop()!).error;
    expect(error.code).toBe('KEYPORT_RENEW_EXPIRED');
    expect(error.message).toMatch(/expired at .* enroll again/);
    daemon = await startDaemon(b, data.path, [], withClock);
    await daemon.waitFor('needs-reenroll', { id });
    expect(daemon.lines('expired', id)).toHaveLength(1);
    expect(renewRequests(), 'no request reached the CA').toBe(requests);
    const show = await json(b, data.path, ['renewal', 'show', id]);
    expect(show.state.needsReenroll).toBe(true);
  }, 90_000);
});
