/**
 * `keyport daemon` runs the routes saved in the data dir (proxy.yaml) beside the scheduler, as the
 * desktop app does: curl through a saved route reaches nginx with the identity, and SIGTERM stops
 * the route. The identity comes from a real step-ca; the key is in a private gnome-keyring.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enroll, startDaemon, startEnrollBed, startNginx, type EnrollBed } from '../enroll/bed';
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
});
