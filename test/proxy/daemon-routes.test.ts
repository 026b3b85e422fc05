/**
 * `keyport daemon` runs the routes saved in the data dir (proxy.yaml) beside the scheduler, as the
 * desktop app does: curl through a saved route reaches nginx with the identity, and SIGTERM stops
 * the route; a route that cannot start does not stop the daemon (nor its renewals). The identity
 * comes from a real step-ca; the key is in a private gnome-keyring.
 */
import { copyFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enroll, json, startDaemon, startEnrollBed, startNginx, type EnrollBed } from '../enroll/bed';
import { keychainBackend, type Backend } from '../identity/backends';
import { requireBackend } from '../testbed/backend';
import { tempDir, type TempDir } from '../testbed/proc';
import { STEP_CA_HINT, STEP_CA_PROBE } from '../testbed/step-ca';
import { NGINX_WHOAMI_PATH, TLS_SERVER_PROBES, type TlsServer } from '../testbed/tls-servers';
import { curl, freePort } from './helpers';

const missing = [
  requireBackend('step-ca', STEP_CA_PROBE, STEP_CA_HINT),
  requireBackend('keyring'),
  requireBackend('tls-nginx', TLS_SERVER_PROBES.nginx),
].some((b) => b.missing);

describe.skipIf(missing)('keyport daemon runs the saved routes', () => {
  let bed: EnrollBed;
  let nginx: TlsServer;
  let keychain: Backend;
  let data: TempDir;

  beforeAll(async () => {
    [bed, keychain, data] = await Promise.all([startEnrollBed({ certDuration: '10m' }), keychainBackend(), tempDir('daemon-routes')]);
    nginx = await startNginx(bed.ca);
  }, 90_000);

  afterAll(async () => {
    await nginx?.stop();
    await Promise.all([bed?.stop(), keychain?.stop()]);
    await data?.remove();
  });

  it('listens on a saved route until SIGTERM', async () => {
    const id = await enroll(bed, keychain, data.path, 'daemon.example');
    const port = await freePort();
    const routes = `routes:\n  - name: web\n    listen: 127.0.0.1:${port}\n    upstream: 127.0.0.1:${nginx.port}\n    identity: ${id}\n    ca: ${bed.ca.rootFile}\n    servername: localhost\n`;
    await writeFile(path.join(data.path, 'proxy.yaml'), routes);
    const daemon = await startDaemon(keychain, data.path);
    try {
      expect(daemon.lines('proxy-listening').join('\n'), daemon.proc.output()).toContain('route="web"');
      const r = await curl([`http://127.0.0.1:${port}${NGINX_WHOAMI_PATH}`, '-H', 'Host: localhost']);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ subject: 'CN=daemon.example', verify: 'SUCCESS' });
    } finally {
      await daemon.proc.stop();
    }
    expect((await curl([`http://127.0.0.1:${port}/`], 3000)).code, 'the route stopped with the daemon').not.toBe(0);
  });

  it('regression: a saved route whose CA file was gone made the daemon exit (code 6) before its scheduler started; now it says so, renews, and starts the routes once the file is back', async () => {
    const dir = await tempDir('daemon-routes-ca');
    const id = await enroll(bed, keychain, dir.path, 'daemon-ca.example');
    await json(keychain, dir.path, ['renewal', 'set', id, '--step-ca', bed.stepCa.url, '--root', bed.ca.rootFile, '--at', '0.01']);
    const caFile = path.join(dir.path, 'moved-away-ca.pem');
    const port = await freePort();
    await writeFile(path.join(dir.path, 'proxy.yaml'), `routes:\n  - name: web\n    listen: 127.0.0.1:${port}\n    upstream: 127.0.0.1:${nginx.port}\n    identity: ${id}\n    ca: ${caFile}\n    servername: localhost\n`);
    const daemon = await startDaemon(keychain, dir.path);
    try {
      const [failed] = await daemon.waitFor('proxy-start-failed');
      expect(failed).toContain(`code="KEYPORT_FILE_UNREADABLE" message="route web: Cannot read CA file ${caFile}:`);
      await daemon.waitFor('renewed', { id, timeoutMs: 60_000 });
      await copyFile(bed.ca.rootFile, caFile);
      await daemon.waitFor('proxy-listening', { timeoutMs: 10_000 });
      const r = await curl([`http://127.0.0.1:${port}${NGINX_WHOAMI_PATH}`, '-H', 'Host: localhost']);
      expect(JSON.parse(r.stdout)).toMatchObject({ subject: 'CN=daemon-ca.example', verify: 'SUCCESS' });
    } finally {
      await daemon.proc.stop();
      await dir.remove();
    }
  }, 120_000);
});
