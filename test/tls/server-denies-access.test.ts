/**
 * A real BoringSSL server (test/servers/boringssl-deny) verifies our client certificate and then
 * denies access as a service's authorisation policy: alert 49 access_denied, which neither Go nor
 * OpenSSL can send on TCP. The refusal must reach the caller of connect() as a KeyportError
 * saying access was denied, within the timeout, while the server logs its own reason; a
 * certificate from another CA gets 48 unknown_ca instead, and an allowed one is echoed. On TLS
 * 1.2 the alert ends the handshake; on TLS 1.3 our handshake is done before the server checks
 * our certificate, so the alert arrives on the first read after connect() resolved.
 * `keyport test` must exit with ExitCode.rejected and name the alert in its failing step.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ExitCode } from '../../src/cli/exit-codes';
import { requireBackend } from '../testbed/backend';
import { createTestCa, type IssuedCert, type TestCa } from '../testbed/ca';
import { runCli } from '../testbed/cli';
import { startKeyring, type Keyring } from '../testbed/keyring';
import { tempDir, type TempDir } from '../testbed/proc';
import { boringSslProbe, startBoringSslServer, type BoringSslServer, type TlsVersion } from '../testbed/tls-servers';
import { attempt, connectAs, expectRejected, firstRead, type RefusingServer } from './helpers/refusal';

const VERSIONS: TlsVersion[] = ['TLSv1.2', 'TLSv1.3'];
const ALLOWED_CN = 'allowed-client';
const DENIED_CN = 'denied-client';
const ACCESS_DENIED = /^The server accepted the client certificate but denied access \(alert 49 access_denied\)/;
const UNKNOWN_CA = /alert 48 unknown_ca/;

const missing = requireBackend('openssl').missing || requireBackend('tls-boringssl', boringSslProbe).missing;
const cliMissing = missing || requireBackend('keyring').missing;

let ca: TestCa;
let stranger: TestCa;
let rootPem: Buffer;
let serverCert: IssuedCert;
const certs = {} as Record<'allowed' | 'denied' | 'unknownCa', IssuedCert>;
const servers = new Map<TlsVersion, BoringSslServer>();

beforeAll(async () => {
  if (missing) return;
  [ca, stranger] = await Promise.all([createTestCa({ ec: true }), createTestCa({ ec: true })]);
  rootPem = await readFile(ca.rootFile);
  serverCert = await ca.issueServer({ sans: ['DNS:localhost', 'IP:127.0.0.1'], ec: true });
  [certs.allowed, certs.denied, certs.unknownCa] = await Promise.all([
    ca.issueClient({ cn: ALLOWED_CN, ec: true }),
    ca.issueClient({ cn: DENIED_CN, ec: true }),
    stranger.issueClient({ cn: 'stranger-client', ec: true }),
  ]);
  for (const version of VERSIONS) servers.set(version, await startServer(version));
}, 180_000);

afterAll(async () => {
  await Promise.allSettled([...servers.values()].map((s) => s.stop()));
  await Promise.allSettled([ca?.stop(), stranger?.stop()]);
}, 60_000);

function startServer(version: TlsVersion): Promise<BoringSslServer> {
  return startBoringSslServer({
    version,
    certFile: serverCert.certFile,
    keyFile: serverCert.keyFile,
    chainFile: ca.intermediateFile,
    clientCaFile: ca.rootFile,
    denyClientCn: DENIED_CN,
  });
}

/** Where connectAs() and attempt() find the server. */
const target = (s: BoringSslServer): RefusingServer => ({ host: s.host, port: s.port, rootPem });

function serverFor(version: TlsVersion): BoringSslServer {
  const server = servers.get(version);
  if (!server) throw new Error(`The BoringSSL ${version} server was not started; see beforeAll`);
  return server;
}

/** Runs `act` and expects the server to log exactly one refusal matching `serverSays` meanwhile. */
async function expectServerRefusal(server: BoringSslServer, serverSays: RegExp, act: () => Promise<void>): Promise<void> {
  const before = (await server.rejections()).length;
  await act();
  await vi.waitFor(async () => expect((await server.rejections()).slice(before)).toEqual([expect.stringMatching(serverSays)]));
}

describe.skipIf(missing)('BoringSSL denies access to a verified client certificate', () => {
  describe.each(VERSIONS)('%s', (version) => {
    it('accepts and echoes an allowed identity (the refusals below are about the policy)', async () => {
      const server = serverFor(version);
      const socket = await connectAs(target(server), version, certs.allowed);
      try {
        expect((await firstRead(socket)).data?.toString()).toBe('hello\n');
      } finally {
        socket.destroy();
      }
      await vi.waitFor(async () =>
        expect(await server.evidence()).toContainEqual(expect.objectContaining({ subject: `CN=${ALLOWED_CN}`, version })),
      );
    });

    it('refuses the denied CN with alert 49 access_denied', async () => {
      const server = serverFor(version);
      await expectServerRefusal(server, new RegExp(`^access denied: -deny-cn refuses client certificate CN "${DENIED_CN}"$`), async () => {
        const refusal = await attempt(target(server), version, certs.denied);
        expectRejected(refusal, version, ACCESS_DENIED);
        expect((refusal.error as Error).message).toMatch(/not authorised for the service/);
      });
    });

    it('refuses a certificate from another CA with alert 48 unknown_ca', async () => {
      const server = serverFor(version);
      await expectServerRefusal(server, /^certificate verify failed: unable to get local issuer certificate$/, async () => {
        expectRejected(await attempt(target(server), version, certs.unknownCa), version, UNKNOWN_CA);
      });
    });
  });
});

describe.skipIf(cliMissing)('keyport test against a BoringSSL server that denies access', () => {
  let keyring: Keyring;
  let data: TempDir;
  let id: string;

  beforeAll(async () => {
    [keyring, data] = await Promise.all([startKeyring(), tempDir('cli-denied')]);
    const imported = await runCli(['import', certs.denied.chainFile, '--key', certs.denied.keyFile, '--json'], {
      dataDir: data.path,
      env: keyring.env,
    });
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    id = (JSON.parse(imported.stdout) as { id: string }).id;
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled([keyring?.stop(), data?.remove()]);
  });

  it.each([
    ['TLSv1.2', 'handshake'],
    ['TLSv1.3', 'http'], // our side of a 1.3 handshake is done before the server checks our certificate
  ] as const)('%s: exits rejected, the %s step names alert 49 and says access was denied', async (version, failedStep) => {
    const server = serverFor(version);
    await expectServerRefusal(server, /^access denied: -deny-cn/, async () => {
      const url = `https://127.0.0.1:${server.port}/`;
      const r = await runCli(['test', url, '--identity', id, '--ca', ca.rootFile, '--json'], { dataDir: data.path, env: keyring.env });
      expect(r.code).toBe(ExitCode.rejected);
      const report = JSON.parse(r.stdout);
      expect(report.ok).toBe(false);
      const failed = report.steps.at(-1);
      expect(failed).toMatchObject({ step: failedStep, ok: false, error: { code: 'KEYPORT_TLS_CLIENT_CERT_REJECTED' } });
      expect(failed.error.message).toMatch(ACCESS_DENIED);
    });
  });
});
