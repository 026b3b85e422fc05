/**
 * `kill -9` of the CLI at each step of an enrollment, a renewal and a rekey (KEYPORT_TEST_CRASH_AT, see
 * src/core/enroll/crash-point.ts), with the key on SoftHSM: right after the crash the identity still
 * works against nginx and `keyport list` shows it once, with the old or the new certificate; the next
 * command finishes or undoes the interrupted operation, after which the token holds exactly the keys
 * the registry knows of.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { softhsmBackend, type Backend } from '../identity/backends';
import { requireBackend } from '../testbed/backend';
import { run, tempDir, type TempDir } from '../testbed/proc';
import { STEP_CA_HINT, STEP_CA_PROBE } from '../testbed/step-ca';
import { NGINX_WHOAMI_PATH, TLS_SERVER_PROBES, type TlsServer } from '../testbed/tls-servers';
import { cli, enroll, json, startEnrollBed, startNginx, type EnrollBed } from './bed';

const missing = [
  requireBackend('step-ca', STEP_CA_PROBE, STEP_CA_HINT),
  requireBackend('softhsm2'),
  requireBackend('tls-nginx', TLS_SERVER_PROBES.nginx),
].some((b) => b.missing);

const RENEW_POINTS = ['after-ca', 'before-commit', 'mid-write'] as const;
const REKEY_POINTS = ['after-keygen', 'after-csr', 'after-ca', 'before-commit', 'mid-write', 'before-retire'] as const;

describe.skipIf(missing)('a crash at any step of a renewal', () => {
  let bed: EnrollBed;
  let nginx: TlsServer;
  let b: Backend;
  let data: TempDir;
  let id: string;
  beforeAll(async () => {
    [bed, b, data] = await Promise.all([startEnrollBed({ certDuration: '10m' }), softhsmBackend(), tempDir('enroll-crash')]);
    nginx = await startNginx(bed.ca);
    id = await enroll(bed, b, data.path, 'crash.example');
  }, 60_000);
  afterAll(async () => {
    await nginx?.stop();
    await b?.stop();
    await data?.remove();
    await bed?.stop();
  });

  const crash = (point: string) => ({ KEYPORT_TEST_CRASH_AT: point });

  for (const [args, points] of [[[] as string[], RENEW_POINTS], [['--rekey'], REKEY_POINTS]] as const) {
    for (const point of points) {
      it(`renew ${args.join(' ')} killed at ${point}: one usable identity, then no orphan key`, async () => {
        const before = await serialOf();
        const r = await cli(b, data.path, ['renew', id, ...args, '--json'], crash(point));
        expect(r.code, `killed by SIGKILL: ${r.stderr}`).toBe(-1);
        const list = await json(b, data.path, ['list']);
        expect(list.map((i: { id: string }) => i.id)).toEqual([id]);
        expect(list[0].status).toBe('valid');
        const after = await serialOf();
        // Before the registry write the old certificate stands; a crash after it keeps the new one.
        if (point === 'before-retire') expect(after).not.toBe(before);
        else expect(after).toBe(before);
        await expectAccepted();
        // The next command recovers first (finishes a committed rekey, undoes anything else), then renews.
        const next = await cli(b, data.path, ['renew', id, '--json']);
        expect(next.code, next.stderr).toBe(0);
        if (args.length) expect(next.stderr).toMatch(point === 'before-retire' ? /finished rekey/ : /undid rekey/);
        expect(await registry()).toMatchObject({ operations: [] });
        expect(await privateKeysOnToken(), 'exactly the identity key on the token').toEqual([await keyId()]);
        await expectAccepted();
      }, 60_000);
    }
  }

  // key-unrecorded: the key is on the token but not in the journal yet; recovery finds it by its label.
  for (const point of ['key-unrecorded', 'after-keygen', 'after-csr', 'after-ca', 'mid-write'] as const) {
    it(`enroll killed at ${point}: nothing recorded, and the next start deletes the new key`, async () => {
      const tokenFile = await bed.tokenFile('second.example');
      const r = await cli(b, data.path, ['enroll', 'step-ca', '--ca-url', bed.stepCa.url, '--root', bed.ca.rootFile, '--token-file', tokenFile, '--to', b.to, '--json'], crash(point));
      expect(r.code).toBe(-1);
      expect((await json(b, data.path, ['list'])).map((i: { id: string }) => i.id)).toEqual([id]);
      const refresh = await cli(b, data.path, ['roots', 'refresh', '--json']);
      expect(refresh.code, refresh.stderr).toBe(0);
      expect(refresh.stderr).toMatch(/undid enroll/);
      expect(await registry()).toMatchObject({ operations: [] });
      expect(await privateKeysOnToken()).toEqual([await keyId()]);
    }, 60_000);
  }

  async function registry() {
    return JSON.parse(await readFile(path.join(data.path, 'identities.json'), 'utf8'));
  }
  async function serialOf(): Promise<string> {
    return (await json(b, data.path, ['show', id])).serial;
  }
  async function keyId(): Promise<string> {
    return (await registry()).identities[0].key.keyId;
  }
  async function expectAccepted(): Promise<void> {
    const r = await cli(b, data.path, ['test', `https://127.0.0.1:${nginx.port}${NGINX_WHOAMI_PATH}`, '--identity', id, '--ca', bed.ca.rootFile, '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  }
  /** The CKA_IDs of every private key on the token, by OpenSC's pkcs11-tool. */
  async function privateKeysOnToken(): Promise<string[]> {
    const r = await run('pkcs11-tool', ['--module', b.flags[1]!, '--login', '--pin', b.env.KEYPORT_PIN!, '--list-objects', '--type', 'privkey'], { env: b.env });
    return [...r.stdout.matchAll(/Private Key Object[\s\S]*?ID:\s+([0-9a-f]+)/gi)].map((m) => m[1]!.toLowerCase());
  }
});
