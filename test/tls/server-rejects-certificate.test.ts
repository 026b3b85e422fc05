/**
 * A real server (Go 1.23's crypto/tls, test/servers/go-echo) refuses our client certificate:
 * wrong EKU, a CN its authorisation policy denies, an unknown CA, none at all. Each refusal must
 * reach the caller of connect() as a KeyportError with a stable code naming the server's alert,
 * within the timeout, while the server logs its own reason. On TLS 1.2 the alert ends the
 * handshake; on TLS 1.3 our handshake is done before the server checks our certificate, so the
 * alert arrives on the first read after connect() resolved.
 *
 * Which alert Go sends is read from Go 1.23's handshake_server.go (processCertsFromClient):
 * unknown authority 48; any other verification failure (such as an EKU without clientAuth) 42;
 * no certificate 116 on 1.3, 42 on 1.2; a VerifyConnection error (the -deny-cn policy) 42.
 * Go cannot send 49 access_denied on TCP (tls.AlertError picks the alert only on QUIC).
 *
 * The main cases run against a server that drains our flight before closing, so the alert is
 * all we can receive. The last block runs them against one that closes at once, as net/http
 * does (see the regression there).
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { requireBackend } from '../testbed/backend';
import { createTestCa, type IssuedCert, type TestCa } from '../testbed/ca';
import { startGoServer, TLS_SERVER_PROBES, type TlsServer, type TlsVersion } from '../testbed/tls-servers';
import { attempt, connectAs, expectRejected, firstRead, type RefusingServer } from './helpers/refusal';

const VERSIONS: TlsVersion[] = ['TLSv1.2', 'TLSv1.3'];
const DENIED_CN = 'denied-client';

const missing = requireBackend('openssl').missing || requireBackend('tls-go', TLS_SERVER_PROBES.go).missing;

/** Who connects, and what the server must answer. */
interface Case {
  name: string;
  client: () => IssuedCert | undefined;
  alert: Record<TlsVersion, RegExp>;
  /** The server's own words for the refusal (Go's handshake error). */
  serverSays: RegExp;
}

let ca: TestCa;
let stranger: TestCa;
let rootPem: Buffer;
const certs = {} as Record<'accepted' | 'wrongEku' | 'denied' | 'unknownCa', IssuedCert>;
/** Whether the server drains our flight after refusing it (lingers) or closes at once. */
type Close = 'lingering' | 'abrupt';
const servers = new Map<string, TlsServer>();

const CASES: Case[] = [
  {
    name: 'a certificate for serverAuth only (wrong EKU)',
    client: () => certs.wrongEku,
    alert: { 'TLSv1.2': /alert 42 bad_certificate/, 'TLSv1.3': /alert 42 bad_certificate/ },
    serverSays: /incompatible key usage/,
  },
  {
    name: 'a verified certificate whose CN the server denies',
    client: () => certs.denied,
    alert: { 'TLSv1.2': /alert 42 bad_certificate/, 'TLSv1.3': /alert 42 bad_certificate/ },
    serverSays: new RegExp(`access denied: -deny-cn refuses client certificate CN "${DENIED_CN}"`),
  },
  {
    name: 'a certificate from a CA the server does not trust',
    client: () => certs.unknownCa,
    alert: { 'TLSv1.2': /alert 48 unknown_ca/, 'TLSv1.3': /alert 48 unknown_ca/ },
    serverSays: /certificate signed by unknown authority/,
  },
  {
    name: 'no certificate',
    client: () => undefined,
    alert: { 'TLSv1.2': /alert 42 bad_certificate/, 'TLSv1.3': /alert 116 certificate_required/ },
    serverSays: /client didn't provide a certificate/,
  },
];

beforeAll(async () => {
  if (missing) return;
  [ca, stranger] = await Promise.all([createTestCa({ ec: true }), createTestCa({ ec: true })]);
  rootPem = await readFile(ca.rootFile);
  const server = await ca.issueServer({ sans: ['DNS:localhost', 'IP:127.0.0.1'] });
  [certs.accepted, certs.wrongEku, certs.denied, certs.unknownCa] = await Promise.all([
    ca.issueClient({ cn: 'accepted-client' }),
    ca.issueClient({ cn: 'server-auth-only', eku: ['serverAuth'] }),
    ca.issueClient({ cn: DENIED_CN }),
    stranger.issueClient({ cn: 'stranger-client' }),
  ]);
  for (const version of VERSIONS) {
    for (const close of ['lingering', 'abrupt'] as const) {
      const files = { certFile: server.certFile, keyFile: server.keyFile, chainFile: ca.intermediateFile, clientCaFile: ca.rootFile };
      const policy = { denyClientCn: DENIED_CN, lingerAfterRejection: close === 'lingering' };
      servers.set(`${version} ${close}`, await startGoServer({ version, ...files, ...policy }));
    }
  }
}, 180_000);

afterAll(async () => {
  await Promise.all([...servers.values()].map((s) => s.stop()));
  await Promise.all([ca?.stop(), stranger?.stop()]);
}, 60_000);

/** Where connectAs() and attempt() find the server. */
const target = (s: TlsServer): RefusingServer => ({ host: s.host, port: s.port, rootPem });

function serverFor(version: TlsVersion, close: Close = 'lingering'): TlsServer {
  const server = servers.get(`${version} ${close}`);
  if (!server) throw new Error(`The ${close} Go ${version} server was not started; see beforeAll`);
  return server;
}

describe.skipIf(missing)('Go crypto/tls rejects the client certificate', () => {
  describe.each(VERSIONS)('%s', (version) => {
    it('accepts the control identity (the refusals below are about the certificate)', async () => {
      const server = serverFor(version);
      const socket = await connectAs(target(server), version, certs.accepted);
      try {
        expect((await firstRead(socket)).data?.toString()).toBe('hello\n');
      } finally {
        socket.destroy();
      }
      await vi.waitFor(async () => expect((await server.evidence()).map((e) => e.subject)).toContain('CN=accepted-client'));
    });

    it.each(CASES)('$name', async ({ client, alert, serverSays }) => {
      const server = serverFor(version);
      const refusedBefore = (await server.rejections()).length;
      expectRejected(await attempt(target(server), version, client()), version, alert[version]);
      await vi.waitFor(async () => {
        const refusals = (await server.rejections()).slice(refusedBefore);
        expect(refusals).toEqual([expect.stringMatching(serverSays)]);
      });
    });
  });
});

/**
 * Against a server that closes at once after its alert, as net/http does. Each attempt must get
 * the alert. Regression (bug: "EPIPE hides the server's alert"): we wrote each handshake message
 * separately, the server closed with part of our flight unread, its kernel reset the connection,
 * and our next write failed with EPIPE before the alert was read (4 attempts in 10 on TLS 1.2).
 * Now a flight leaves in one write, so the server has read all of it when it closes.
 */
describe.skipIf(missing)('Go crypto/tls rejects the client certificate and closes at once', () => {
  const ATTEMPTS = 10;

  it.each(VERSIONS)('%s: each attempt gets the alert, not EPIPE', async (version) => {
    const server = serverFor(version, 'abrupt');
    for (const { client, alert } of CASES) {
      for (let i = 0; i < ATTEMPTS; i += 1) expectRejected(await attempt(target(server), version, client()), version, alert[version]);
    }
  });
});
