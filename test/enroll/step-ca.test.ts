/**
 * step-ca enrollment, renewal and rekey through the CLI, for keychain, SoftHSM and TPM identities,
 * against a real step-ca on loopback: each step a new serial, the same (renew) or a new (rekey) public
 * key, the same identity id, the old certificate in the history, the key still in its store (and a
 * rekey's old key gone from it), no key bytes in the data dir, and the identity accepted by nginx.
 */
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keychainBackend, softhsmBackend, tpmBackend, type Backend } from '../identity/backends';
import { requireBackend } from '../testbed/backend';
import { scanForBytes } from '../testbed/cli';
import { tempDir, type TempDir } from '../testbed/proc';
import { STEP_CA_HINT, STEP_CA_PROBE } from '../testbed/step-ca';
import { NGINX_WHOAMI_PATH, TLS_SERVER_PROBES, type TlsServer } from '../testbed/tls-servers';
import { cli, enroll, json, startEnrollBed, startNginx, type EnrollBed } from './bed';

const missing = [
  requireBackend('step-ca', STEP_CA_PROBE, STEP_CA_HINT),
  requireBackend('openssl'),
  requireBackend('keyring'),
  requireBackend('softhsm2'),
  requireBackend('tpm'),
  requireBackend('tls-nginx', TLS_SERVER_PROBES.nginx),
].some((b) => b.missing);

const STORES: Record<string, () => Promise<Backend>> = { keychain: keychainBackend, softhsm: softhsmBackend, tpm: tpmBackend };

describe.skipIf(missing)('step-ca enrollment and renewal', () => {
  let bed: EnrollBed;
  let nginx: TlsServer;
  beforeAll(async () => {
    bed = await startEnrollBed({ certDuration: '10m' });
    nginx = await startNginx(bed.ca);
  }, 60_000);
  afterAll(async () => {
    await nginx?.stop();
    await bed?.stop();
  });

  for (const [name, start] of Object.entries(STORES)) {
    describe(name, () => {
      let b: Backend;
      let data: TempDir;
      beforeAll(async () => {
        [b, data] = await Promise.all([start(), tempDir(`enroll-${name}`)]);
      }, 60_000);
      afterAll(async () => {
        await b?.stop();
        await data?.remove();
      });

      it('enrolls, renews and rekeys under one id; the key stays in its store and never on disk', async () => {
        const id = await enroll(bed, b, data.path, `${name}.example`);
        const first = await identity(id);
        expect(first).toMatchObject({ id, subject: `CN=${name}.example`, status: 'valid' });
        expect(await b.holdsKey(await keyRef(id))).toBe(true);
        await expectAccepted(id, `CN=${name}.example`);

        const renewed = await json(b, data.path, ['renew', id]);
        expect(renewed).toMatchObject({ id, previousSerial: first.serial, rekeyed: false });
        expect(renewed.serial).not.toBe(first.serial);
        const second = await identity(id);
        expect(second.serial).toBe(renewed.serial);
        expect(await spki(id)).toEqual(await spkiOfSerial(id, first.serial));
        if (name !== 'keychain') expect(await certificatesOnToken(), 'the renewed certificate replaced the old one').toEqual([renewed.serial]);
        await expectAccepted(id, `CN=${name}.example`);

        const oldKey = await keyRef(id);
        const rekeyed = await json(b, data.path, ['renew', id, '--rekey']);
        expect(rekeyed).toMatchObject({ id, previousSerial: renewed.serial, rekeyed: true });
        const newKey = await keyRef(id);
        expect(newKey.keyId).not.toBe(oldKey.keyId);
        expect(await spki(id)).not.toEqual(await spkiOfSerial(id, renewed.serial));
        expect(await b.holdsKey(newKey)).toBe(true);
        expect(await b.holdsKey(oldKey), 'the retired key is deleted').toBe(false);
        await expectAccepted(id, `CN=${name}.example`);

        const show = await json(b, data.path, ['renewal', 'show', id]);
        expect(show.provider).toMatchObject({ kind: 'step-ca', caUrl: bed.stepCa.url });
        expect(show.history.map((h: { serial: string }) => h.serial)).toEqual([first.serial, renewed.serial]);
        expect(new Date(show.nextRunAt).getTime()).toBeGreaterThan(Date.now());
        const list = await json(b, data.path, ['list']);
        expect(list.map((i: { id: string }) => i.id), 'one identity, no leftovers from the token').toEqual([id]);
        expect((await readRegistry()).operations).toEqual([]);
        if (name === 'keychain') await expectNoKeychainKeyOnDisk(newKey.keyId);
      }, 120_000);

      async function identity(id: string): Promise<{ id: string; serial: string; subject: string; status: string }> {
        return json(b, data.path, ['show', id]);
      }
      async function readRegistry() {
        return JSON.parse(await readFile(path.join(data.path, 'identities.json'), 'utf8'));
      }
      async function keyRef(id: string): Promise<{ keyId: string }> {
        return (await readRegistry()).identities.find((i: { id: string }) => i.id === id).key;
      }
      async function spki(id: string): Promise<string> {
        const rec = (await readRegistry()).identities.find((i: { id: string }) => i.id === id);
        return new X509Certificate(Buffer.from(rec.chain[0], 'base64')).publicKey.export({ format: 'der', type: 'spki' }).toString('hex');
      }
      async function spkiOfSerial(id: string, serial: string): Promise<string> {
        const rec = (await readRegistry()).identities.find((i: { id: string }) => i.id === id);
        const h = rec.history.find((e: { serial: string }) => e.serial === serial);
        return new X509Certificate(Buffer.from(h.chain[0], 'base64')).publicKey.export({ format: 'der', type: 'spki' }).toString('hex');
      }
      async function expectAccepted(id: string, subject: string): Promise<void> {
        const r = await cli(b, data.path, ['test', `https://127.0.0.1:${nginx.port}${NGINX_WHOAMI_PATH}`, '--identity', id, '--ca', bed.ca.rootFile, '--json']);
        expect(r.code, r.stdout + r.stderr).toBe(0);
        expect(JSON.parse(r.stdout).http.bodyPreview).toContain(subject.replace('CN=', ''));
      }
      /** Serials of the certificate objects on the token, by OpenSC's pkcs11-tool. */
      async function certificatesOnToken(): Promise<string[]> {
        const { run } = await import('../testbed/proc');
        const r = await run('pkcs11-tool', ['--module', b.flags[1]!, '--list-objects', '--type', 'cert'], { env: b.env });
        return [...r.stdout.matchAll(/serial:\s+([0-9A-F]+)/gi)].map((m) => m[1]!.toLowerCase().replace(/^(00)+/, ''));
      }
      async function expectNoKeychainKeyOnDisk(keyId: string): Promise<void> {
        const { run } = await import('../testbed/proc');
        const secret = (await run('secret-tool', ['lookup', 'service', 'keyport', 'account', keyId], { env: b.env })).stdout.trim();
        expect(secret.length).toBeGreaterThan(100);
        const der = Buffer.from(secret, 'base64');
        const { encodingsOf } = await import('../testbed/cli');
        expect(await scanForBytes([data.path], encodingsOf(der))).toEqual([]);
      }
    });
  }
});
