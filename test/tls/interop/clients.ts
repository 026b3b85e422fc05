/**
 * The client keys of the interop matrix, made the way a user makes them: `keygen` in the store
 * where the key lives (gnome-keyring, SoftHSM2, a TPM through tpm2-pkcs11), the CSR signed by
 * the test CA, `attach`, then `signerFor` — all through one in-process Keyport.
 */
import { X509Certificate } from 'node:crypto';
import { Keyport } from '../../../src/core/app';
import { withoutRoot } from '../../../src/core/pki/chain';
import { readCertificates } from '../../../src/core/pki/pem';
import type { KeyAlgorithm, Signer } from '../../../src/core/keystores/types';
import type { TestCa } from '../../testbed/ca';
import { startKeyring } from '../../testbed/keyring';
import { tempDir } from '../../testbed/proc';
import { startSoftHsm, type SoftHsm } from '../../testbed/softhsm';
import { startTpm, type Tpm } from '../../testbed/tpm';

/** The client keys of the matrix. */
export const CLIENT_KEYS = ['keychain-ec', 'softhsm-ec', 'softhsm-rsa', 'tpm-ec'] as const;
export type ClientKey = (typeof CLIENT_KEYS)[number];

/** The test-bed backend (requireBackend name) each key needs. */
export const KEY_BACKEND: Record<ClientKey, 'keyring' | 'softhsm2' | 'tpm'> = {
  'keychain-ec': 'keyring',
  'softhsm-ec': 'softhsm2',
  'softhsm-rsa': 'softhsm2',
  'tpm-ec': 'tpm',
};

const ALGORITHM: Record<ClientKey, KeyAlgorithm> = {
  'keychain-ec': 'EC-P256',
  'softhsm-ec': 'EC-P256',
  'softhsm-rsa': 'RSA-2048',
  'tpm-ec': 'EC-P256',
};

/** One client identity ready for the TLS client. */
export interface ClientIdentity {
  key: ClientKey;
  signer: Signer;
  /** Leaf and intermediate, DER: what the client sends. */
  chain: Buffer[];
  /** SHA-256 of the leaf's DER, lower-case hex: what a server's evidence must show. */
  fingerprint: string;
  /** The leaf's common name. */
  cn: string;
}

/** The running backends and the identities made on them. */
export interface Clients {
  identities: Map<ClientKey, ClientIdentity>;
  stop(): Promise<void>;
}

/**
 * Starts the backends `keys` need, makes one identity per key, issued by `ca`. Sets
 * DBUS_SESSION_BUS_ADDRESS of this process to the keyring's bus: keytar binds to the bus of
 * its first call, so this must run before anything in the process touches the keychain.
 */
export async function makeClients(keys: readonly ClientKey[], ca: TestCa): Promise<Clients> {
  const needs = new Set(keys.map((k) => KEY_BACKEND[k]));
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    const [keyring, hsm, tpm] = await Promise.all([
      needs.has('keyring') ? track(startKeyring(), stops) : undefined,
      needs.has('softhsm2') ? track(startSoftHsm({ label: 'matrix-hsm' }), stops) : undefined,
      needs.has('tpm') ? track(startTpm({ label: 'matrix-tpm' }), stops) : undefined,
    ]);
    if (keyring) process.env.DBUS_SESSION_BUS_ADDRESS = keyring.env.DBUS_SESSION_BUS_ADDRESS;
    const data = await tempDir('interop-data');
    stops.push(() => data.remove());
    const keyport = openKeyport(data.path, hsm, tpm);
    stops.push(() => keyport.close());
    const identities = new Map<ClientKey, ClientIdentity>();
    // One at a time: every keygen and attach rewrites the one registry file.
    for (const key of keys) identities.set(key, await makeIdentity(keyport, key, ca, { hsm, tpm }));
    return { identities, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

async function track<T extends { stop(): Promise<void> }>(started: Promise<T>, stops: Array<() => Promise<void>>): Promise<T> {
  const value = await started;
  stops.push(() => value.stop());
  return value;
}

function openKeyport(dataDir: string, hsm: SoftHsm | undefined, tpm: Tpm | undefined): Keyport {
  const tokens = [hsm, tpm].filter((t): t is SoftHsm | Tpm => t !== undefined);
  const pins = new Map(tokens.map((t) => [t.tokenLabel, t.pin]));
  return new Keyport({
    dataDir,
    pkcs11Modules: tokens.map((t) => t.module),
    // The token host gets the modules' configuration; the TPM's bus is the host's session bus.
    env: Object.assign({}, process.env, ...tokens.map((t) => t.env)) as NodeJS.ProcessEnv,
    pin: async ({ token }) => {
      const pin = pins.get(token);
      if (pin === undefined) throw new Error(`No PIN known for token "${token}"`);
      return pin;
    },
  });
}

/** The token backends; the keychain needs no handle (keytar finds it through the process env). */
interface Backends {
  hsm?: SoftHsm;
  tpm?: Tpm;
}

async function makeIdentity(keyport: Keyport, key: ClientKey, ca: TestCa, b: Backends): Promise<ClientIdentity> {
  const cn = `matrix-${key}`;
  const { keyId, csr } = await keyport.identities.keygen({
    to: destination(key, b),
    algorithm: ALGORITHM[key],
    subject: `CN=${cn},O=Keyport Tests`,
    sans: [],
  });
  const issued = readCertificates(Buffer.from(await ca.signCsr(csr, { eku: ['clientAuth'] })), 'the issued chain');
  const id = await keyport.identities.attach(keyId, issued);
  const { signer, chain } = await keyport.signerFor(id);
  const leaf = chain[0];
  if (!leaf) throw new Error(`Identity ${id} has no certificate`);
  const fingerprint = new X509Certificate(leaf).fingerprint256.replaceAll(':', '').toLowerCase();
  return { key, signer, chain: withoutRoot(chain), fingerprint, cn };
}

function destination(key: ClientKey, b: Backends) {
  if (key === 'keychain-ec') return { kind: 'keychain' as const };
  const token = key === 'tpm-ec' ? b.tpm : b.hsm;
  if (!token) throw new Error(`Cannot make the ${key} identity: its backend was not started`);
  return { kind: 'pkcs11' as const, token: token.tokenLabel };
}
