/**
 * Bad input and faults through the CLI: each is one sentence with a stable code, a non-zero exit
 * code, and nothing stored changes. Real backends: gnome-keyring (locked, stopped) and SoftHSM.
 */
import { promises as fs } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBackend } from '../testbed/backend';
import { createTestCa, type IssuedCert, type TestCa } from '../testbed/ca';
import { runCli } from '../testbed/cli';
import { startKeyring, type Keyring } from '../testbed/keyring';
import { startSoftHsm, type SoftHsm } from '../testbed/softhsm';

const REGISTRY = 'identities.json';

/** The registry file's bytes, or null when there is none: compared before and after a failure. */
async function snapshot(dataDir: string): Promise<string | null> {
  return fs.readFile(path.join(dataDir, REGISTRY), 'utf8').catch(() => null);
}

/** Parses the one JSON error line the CLI prints with --json. */
function errorOf(stderr: string): { code: string; message: string } {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!).error;
}

/** A TLS echo server on loopback; with `clientCa` it requires a client certificate issued under it. */
async function startEcho(cert: IssuedCert, clientCa?: string): Promise<{ port: number; stop(): Promise<void> }> {
  const auth = clientCa ? { ca: await fs.readFile(clientCa), requestCert: true, rejectUnauthorized: true } : {};
  const server = tls.createServer({ key: await fs.readFile(cert.keyFile), cert: cert.chainPem, ...auth }, (socket) => socket.pipe(socket));
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const keyring = requireBackend('keyring');
const softhsm = requireBackend('softhsm2');

describe.skipIf(keyring.missing || softhsm.missing)('faults through the CLI', () => {
  let kr: Keyring;
  let hsm: SoftHsm;
  let ca: TestCa;
  let dataDir: string;
  const env = () => ({ ...kr.env, ...hsm.env });
  const cli = (args: string[], extraEnv: Record<string, string> = {}) =>
    runCli(args, { dataDir, env: { ...env(), ...extraEnv } });

  /** Runs a command that must fail with `code` and `exit`, leaving the registry as it was. */
  async function expectFailure(args: string[], code: string, exit: number, extraEnv: Record<string, string> = {}) {
    const before = await snapshot(dataDir);
    const r = await cli([...args, '--json'], extraEnv);
    expect(r.code, r.stderr).toBe(exit);
    const err = errorOf(r.stderr);
    expect(err.code).toBe(code);
    expect(err.message).not.toMatch(/\n\s*at /); // one sentence, no stack
    expect(await snapshot(dataDir)).toBe(before);
    return err;
  }

  beforeAll(async () => {
    [kr, hsm, ca] = await Promise.all([startKeyring(), startSoftHsm(), createTestCa({ ec: true })]);
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'keyport-faults-'));
  });
  afterAll(async () => {
    await Promise.all([kr?.stop(), hsm?.stop(), ca?.stop()]);
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  const p11 = () => ['--pkcs11-module', hsm.module];
  const keygenArgs = () => ['keygen', '--to', `pkcs11:${hsm.tokenLabel}`, '--subject', 'CN=x'];

  it('wrong PIN: KEYPORT_PIN_INCORRECT, exit 4, no key and no registry entry', async () => {
    const err = await expectFailure([...p11(), ...keygenArgs()], 'KEYPORT_PIN_INCORRECT', 4, { KEYPORT_PIN: 'not-the-pin' });
    expect(err.message).toContain(hsm.tokenLabel);
    expect(err.message).not.toContain('not-the-pin');
  });

  it('no PIN and no terminal: KEYPORT_PIN_REQUIRED says how to give one', async () => {
    const err = await expectFailure([...p11(), ...keygenArgs()], 'KEYPORT_PIN_REQUIRED', 4);
    expect(err.message).toMatch(/--pin-file|KEYPORT_PIN/);
  });

  it('a PIN file works where KEYPORT_PIN is absent', async () => {
    const pinFile = path.join(dataDir, '..', `pin-${process.pid}`);
    await fs.writeFile(pinFile, `${hsm.pin}\n`, { mode: 0o600 });
    const r = await cli([...p11(), '--pin-file', pinFile, ...keygenArgs(), '--json']);
    await fs.rm(pinFile);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).keyId).toMatch(/^k[0-9a-f]+$/);
  });

  it('a module that is not PKCS#11: KEYPORT_PKCS11_MODULE_INVALID, exit 5', async () => {
    const notAModule = path.join(dataDir, '..', `not-a-module-${process.pid}.so`);
    await fs.writeFile(notAModule, 'this is not a shared library\n');
    try {
      await expectFailure(['--pkcs11-module', notAModule, 'keygen', '--to', 'pkcs11:x', '--subject', 'CN=x'], 'KEYPORT_PKCS11_MODULE_INVALID', 5);
    } finally {
      await fs.rm(notAModule);
    }
  });

  it('an unknown token label: KEYPORT_TOKEN_NOT_FOUND, exit 3', async () => {
    await expectFailure([...p11(), 'keygen', '--to', 'pkcs11:no-such-token', '--subject', 'CN=x'], 'KEYPORT_TOKEN_NOT_FOUND', 3, { KEYPORT_PIN: hsm.pin });
  });

  it('a certificate for another key is refused by attach', async () => {
    const gen = await cli(['keygen', '--to', 'keychain', '--subject', 'CN=carol', '--json']);
    expect(gen.code, gen.stderr).toBe(0);
    const other = await ca.issueClient({ cn: 'someone-else', ec: true });
    await expectFailure(['attach', JSON.parse(gen.stdout).keyId, other.chainFile], 'KEYPORT_KEY_MISMATCH', 6);
  });

  it('an unknown identity: KEYPORT_NOT_FOUND, exit 3', async () => {
    await expectFailure(['show', 'nope-nope'], 'KEYPORT_NOT_FOUND', 3);
  });

  it('a locked keychain: import fails with KEYPORT_KEYCHAIN_LOCKED and using a stored key says locked, not missing', async () => {
    const client = await ca.issueClient({ cn: 'dave', ec: true });
    const imported = await cli(['import', client.chainFile, '--key', client.keyFile, '--json']);
    expect(imported.code, imported.stderr).toBe(0);
    const { id } = JSON.parse(imported.stdout);
    await kr.lock();
    try {
      const other = await ca.issueClient({ cn: 'erin', ec: true });
      await expectFailure(['import', other.chainFile, '--key', other.keyFile], 'KEYPORT_KEYCHAIN_LOCKED', 5);
      const err = await expectFailure(['export', id, '--csr'], 'KEYPORT_KEYCHAIN_LOCKED', 5);
      expect(err.message).toMatch(/unlock/i);
    } finally {
      await kr.unlock();
    }
    expect((await cli(['export', id, '--csr'])).code).toBe(0);
  });

  it('no keychain at all: KEYPORT_KEYCHAIN_UNAVAILABLE, exit 5', async () => {
    await kr.stopDaemon();
    try {
      const client = await ca.issueClient({ cn: 'frank', ec: true });
      await expectFailure(['import', client.chainFile, '--key', client.keyFile], 'KEYPORT_KEYCHAIN_UNAVAILABLE', 5);
    } finally {
      await kr.unlock();
    }
  });

  it('a corrupt registry is reported and left untouched', async () => {
    const file = path.join(dataDir, REGISTRY);
    const good = await fs.readFile(file, 'utf8');
    await fs.writeFile(file, good.slice(0, good.length / 2));
    try {
      const err = await expectFailure(['list'], 'KEYPORT_REGISTRY_CORRUPT', 1);
      expect(err.message).toContain('identities.json.bak');
      const client = await ca.issueClient({ cn: 'gina', ec: true });
      await expectFailure(['import', client.chainFile, '--key', client.keyFile], 'KEYPORT_REGISTRY_CORRUPT', 1);
    } finally {
      await fs.writeFile(file, good);
    }
  });

  it('writing to a folder that does not exist is one sentence, not KEYPORT_INTERNAL (bug: export --out to a missing folder)', async () => {
    const missingDir = path.join(dataDir, 'no-such-folder');
    const { id } = JSON.parse((await cli(['list', '--json'])).stdout)[0];
    const err = await expectFailure(['export', id, '--chain', '--out', path.join(missingDir, 'chain.pem')], 'KEYPORT_FILE_UNWRITABLE', 6);
    expect(err.message).toContain('folder exists');
    // keygen checks before making a key, so no orphan key is left behind
    await expectFailure(['keygen', '--to', 'keychain', '--subject', 'CN=x', '--out', path.join(missingDir, 'x.csr')], 'KEYPORT_FILE_UNWRITABLE', 6);
  });

  describe('connect with a token identity logs in only when the server asks for a certificate (bug: it asked for the PIN before connecting)', () => {
    let id: string;
    let serverCert: IssuedCert;
    const connect = (port: number, extraEnv: Record<string, string> = {}) =>
      runCli([...p11(), 'connect', `127.0.0.1:${port}`, '--identity', id, '--ca', ca.rootFile, '--half-close'], {
        dataDir,
        env: { ...env(), ...extraEnv },
        input: 'ping\n',
      });

    beforeAll(async () => {
      const withPin = { KEYPORT_PIN: hsm.pin };
      const key = await cli([...p11(), ...keygenArgs(), '--json'], withPin);
      expect(key.code, key.stderr).toBe(0);
      const { keyId, csr } = JSON.parse(key.stdout) as { keyId: string; csr: string };
      const certFile = path.join(dataDir, 'token-client.pem');
      await fs.writeFile(certFile, await ca.signCsr(csr, { eku: ['clientAuth'] }));
      const attached = await cli([...p11(), 'attach', keyId, certFile, '--label', 'token-client', '--json'], withPin);
      expect(attached.code, attached.stderr).toBe(0);
      id = JSON.parse(attached.stdout).id;
      serverCert = await ca.issueServer({ sans: ['IP:127.0.0.1'], ec: true });
    });

    it('a port nobody listens on: the connection error, no PIN asked', async () => {
      const r = await connect(await closedPort());
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/ECONNREFUSED.*\[KEYPORT_TLS_CONNECT_FAILED\]$/m);
    });

    it('a server that asks for no certificate: connected without a PIN', async () => {
      const echo = await startEcho(serverCert);
      try {
        const r = await connect(echo.port);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toBe('ping\n');
        expect(r.stderr).toMatch(/client certificate not requested\n$/);
      } finally {
        await echo.stop();
      }
    });

    it('a server that asks: KEYPORT_PIN_REQUIRED without a PIN, the certificate sent with one', async () => {
      const echo = await startEcho(serverCert, ca.rootFile);
      try {
        const refused = await connect(echo.port);
        expect(refused.code).toBe(4);
        expect(refused.stdout).toBe('');
        expect(refused.stderr.trim().split('\n')).toHaveLength(1);
        expect(refused.stderr).toMatch(/needs its PIN.*\[KEYPORT_PIN_REQUIRED\]$/m);
        const r = await connect(echo.port, { KEYPORT_PIN: hsm.pin });
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toBe('ping\n');
        expect(r.stderr).toMatch(/client certificate sent \(token-client\)\n$/);
      } finally {
        await echo.stop();
      }
    });
  });

  it('usage errors exit 2 with one line', async () => {
    const r = await cli(['keygen', '--to', 'floppy:disk', '--subject', 'CN=x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('KEYPORT_INVALID_ARGUMENT');
    const unknown = await cli(['frobnicate']);
    expect(unknown.code).toBe(2);
  });
});
