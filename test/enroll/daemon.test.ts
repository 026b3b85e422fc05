/**
 * The long one: `keyport daemon` renews real 2-minute step-ca certificates before they expire without
 * any command (a keychain and a SoftHSM identity in one data dir), backs off exponentially while
 * step-ca is down and renews once it is back, and stops cleanly on SIGTERM. Its own file, so it runs
 * beside the other suites.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keychainBackend, softhsmBackend, type Backend } from '../identity/backends';
import { requireBackend } from '../testbed/backend';
import { tempDir, type TempDir } from '../testbed/proc';
import { STEP_CA_HINT, STEP_CA_PROBE } from '../testbed/step-ca';
import { json, startDaemon, startEnrollBed, type Daemon, type EnrollBed } from './bed';

const missing = [requireBackend('step-ca', STEP_CA_PROBE, STEP_CA_HINT), requireBackend('keyring'), requireBackend('softhsm2')].some((b) => b.missing);

describe.skipIf(missing)('keyport daemon', () => {
  let bed: EnrollBed;
  let kc: Backend;
  let hsm: Backend;
  let both: Backend;
  let data: TempDir;
  let daemon: Daemon | undefined;
  beforeAll(async () => {
    [bed, kc, hsm, data] = await Promise.all([startEnrollBed({ certDuration: '2m' }), keychainBackend(), softhsmBackend(), tempDir('enroll-daemon')]);
    both = { ...hsm, env: { ...kc.env, ...hsm.env } };
  }, 60_000);
  afterAll(async () => {
    await daemon?.proc.stop();
    await Promise.all([kc?.stop(), hsm?.stop()]);
    await data?.remove();
    await bed?.stop();
  });

  async function enrollTo(to: string, sub: string): Promise<string> {
    const tokenFile = await bed.tokenFile(sub);
    return (await json(both, data.path, ['enroll', 'step-ca', '--ca-url', bed.stepCa.url, '--root', bed.ca.rootFile, '--token-file', tokenFile, '--to', to])).id;
  }

  it('renews each identity before expiry, backs off while step-ca is down, stops on SIGTERM', async () => {
    const early = await enrollTo('keychain', 'early.example');
    const late = await enrollTo(hsm.to, 'late.example');
    await json(both, data.path, ['renewal', 'set', early, '--step-ca', bed.stepCa.url, '--root', bed.ca.rootFile, '--at', '0.3']);
    const serials = async (): Promise<Record<string, string>> =>
      Object.fromEntries((await json(both, data.path, ['list'])).map((i: { id: string; serial: string }) => [i.id, i.serial]));
    const first = await serials();
    const notAfter = (await json(both, data.path, ['show', early])).notAfter;

    daemon = await startDaemon(both, data.path, ['--retry-min', '2', '--retry-max', '8']);
    // 0.3 and 0.66 (+-0.03) of two minutes: about 36 s and 79 s.
    await daemon.waitFor('renewed', { id: early, timeoutMs: 75_000 });
    expect(Date.now()).toBeLessThan(new Date(notAfter).getTime());
    await daemon.waitFor('renewed', { id: late, timeoutMs: 90_000 });
    const second = await serials();
    expect(second[early]).not.toBe(first[early]);
    expect(second[late]).not.toBe(first[late]);
    expect((await json(both, data.path, ['list'])).every((i: { status: string }) => i.status === 'valid')).toBe(true);

    await bed.stepCa.stop();
    const failures = await daemon.waitFor('renew-failed', { count: 3, timeoutMs: 75_000 });
    const gaps = failures.slice(0, 3).map((l) => new Date(/retryAt="([^"]+)"/.exec(l)![1]!).getTime() - new Date(l.split(' ')[0]!).getTime());
    expect(gaps[1]!, 'backoff doubles').toBeGreaterThan(gaps[0]! * 1.5);
    expect(gaps[2]!).toBeGreaterThan(gaps[1]! * 1.5);
    expect(failures[0]).toContain('KEYPORT_ENROLL_CA_UNREACHABLE');
    const failedId = /id="([^"]+)"/.exec(failures[0]!)![1]!;

    const renewedBefore = daemon.lines('renewed', failedId).length;
    await bed.restart();
    await daemon.waitFor('renewed', { id: failedId, count: renewedBefore + 1, timeoutMs: 30_000 });
    const show = await json(both, data.path, ['renewal', 'show', failedId]);
    expect(show.state).toMatchObject({ failures: 0, needsReenroll: false });

    await daemon.proc.stop();
    expect(await daemon.proc.exited).toMatchObject({ code: 0 });
    expect(daemon.proc.output().trim().split('\n').slice(-2).map((l) => l.split(' ')[1])).toEqual(['stopping', 'stopped']);
    daemon = undefined;
  }, 300_000);
});
