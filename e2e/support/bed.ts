/**
 * The real backends the UI flows run on, started together: gnome-keyring on a private bus,
 * a SoftHSM token, a test CA, two nginx servers (one trusts the CA for clients, one trusts
 * another CA only, so it refuses our identities), and PKCS#12 files made by OpenSSL.
 */
import { NGINX_WHOAMI_PATH, startTlsServer, type TlsServer } from '../../test/testbed/tls-servers';
import { createTestCa, type TestCa } from '../../test/testbed/ca';
import { startKeyring, type Keyring } from '../../test/testbed/keyring';
import { tempDir, type TempDir } from '../../test/testbed/proc';
import { startSoftHsm, type SoftHsm } from '../../test/testbed/softhsm';
import { makePkcs12 } from './pki';

/** The password of every PKCS#12 file the flows import. */
export const P12_PASSWORD = 'correct horse battery';

/** Everything a flow needs, and one stop for all of it. */
export interface Bed {
  keyring: Keyring;
  hsm: SoftHsm;
  ca: TestCa;
  otherCa: TestCa;
  data: TempDir;
  files: TempDir;
  /** Accepts client certificates from `ca`. */
  nginx: TlsServer;
  /** Accepts client certificates from `otherCa` only. */
  strictNginx: TlsServer;
  /** `https://127.0.0.1:PORT/whoami` of each server. */
  goodUrl: string;
  refusingUrl: string;
  /** PKCS#12 files: alice (for the keychain) and bob (for the token). */
  aliceP12: string;
  bobP12: string;
  /** Keyport's environment: the keyring's bus, SoftHSM's conf, the module list. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** Starts the bed (about 2 s). */
export async function startBed(): Promise<Bed> {
  const [keyring, hsm, ca, otherCa, data, files] = await Promise.all([
    startKeyring(),
    startSoftHsm({ label: 'e2e-token' }),
    createTestCa({ ec: true }),
    createTestCa({ ec: true }),
    tempDir('ui-e2e-data'),
    tempDir('ui-e2e-files'),
  ]);
  const stops: Array<() => Promise<unknown>> = [() => keyring.stop(), () => hsm.stop(), () => ca.stop(), () => otherCa.stop(), () => data.remove(), () => files.remove()];
  const stop = async () => {
    await Promise.allSettled(stops.reverse().map((s) => s()));
  };
  try {
    const [server, alice, bob] = await Promise.all([
      ca.issueServer({ sans: ['127.0.0.1', 'localhost'], ec: true }),
      ca.issueClient({ cn: 'alice-e2e', ec: true }),
      ca.issueClient({ cn: 'bob-e2e', ec: true }),
    ]);
    const serverFiles = { version: 'TLSv1.3' as const, certFile: server.certFile, keyFile: server.keyFile, chainFile: ca.intermediateFile };
    const nginx = await startTlsServer('nginx', { ...serverFiles, clientCaFile: ca.chainFile });
    stops.push(() => nginx.stop());
    const strictNginx = await startTlsServer('nginx', { ...serverFiles, clientCaFile: otherCa.chainFile });
    stops.push(() => strictNginx.stop());
    const [aliceP12, bobP12] = await Promise.all([makePkcs12(files.path, 'alice', alice, P12_PASSWORD), makePkcs12(files.path, 'bob', bob, P12_PASSWORD)]);
    return {
      keyring,
      hsm,
      ca,
      otherCa,
      data,
      files,
      nginx,
      strictNginx,
      goodUrl: `https://127.0.0.1:${nginx.port}${NGINX_WHOAMI_PATH}`,
      refusingUrl: `https://127.0.0.1:${strictNginx.port}${NGINX_WHOAMI_PATH}`,
      aliceP12,
      bobP12,
      env: { ...keyring.env, ...hsm.env, KEYPORT_PKCS11_MODULES: hsm.module },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
