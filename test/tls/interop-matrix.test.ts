/**
 * The TLS interop matrix (issue 5): Keyport's signing TLS client against five real servers
 * {openssl s_server, gnutls-serv, nginx, Go crypto/tls, node:tls} x {TLS 1.2, 1.3} x client key
 * {keychain EC, SoftHSM EC, SoftHSM RSA (PSS), TPM EC} x server certificate {RSA, EC}. Every server
 * requires and verifies the client certificate; each cell echoes a message, checks what was
 * negotiated, and finds our leaf in the server's own evidence. Per server and version: a 16 MiB
 * round trip, and on TLS 1.3 a client-initiated KeyUpdate, plus a server-initiated one where
 * the server can start one (openssl in control mode, gnutls in band). Every server negotiates
 * TLS 1.2's extended master secret, which Keyport requires (Go's crypto/tls from 1.21 on: the
 * test bed builds go-echo with golang-1.23-go).
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connect, type KeyportTlsSocket, type TlsInfo, type TraceEvent } from '../../src/core/tls';
import { requireBackend } from '../testbed/backend';
import { createTestCa, type IssuedCert, type TestCa } from '../testbed/ca';
import {
  GNUTLS_COMMAND_REPLY,
  GNUTLS_KEY_UPDATE_LINE,
  TLS_SERVER_KINDS,
  TLS_SERVER_PROBES,
  startOpenSslControlServer,
  type TlsServer,
  type TlsVersion,
} from '../testbed/tls-servers';
import { CLIENT_KEYS, KEY_BACKEND, makeClients, type ClientIdentity, type ClientKey, type Clients } from './interop/clients';
import { agentOn, bulkPayload, closeSocket, httpEcho, Inbox, roundTrip } from './interop/exchange';
import { ServerPool, type ServerCert } from './interop/server-pool';

const VERSIONS: TlsVersion[] = ['TLSv1.2', 'TLSv1.3'];
const SERVER_CERTS: ServerCert[] = ['rsa', 'ec'];
/** The key of the per-server checks (bulk, KeyUpdate): the cheapest signer. */
const ROUND_TRIP_KEY: ClientKey = 'softhsm-ec';

const opensslMissing = requireBackend('openssl').missing; // the test CA
const backendMissing = new Map(
  [...new Set(Object.values(KEY_BACKEND))].map((name) => [name, requireBackend(name).missing] as const),
);
const serverMissing = new Map(
  TLS_SERVER_KINDS.map((kind) => [kind, requireBackend(`tls-${kind}`, TLS_SERVER_PROBES[kind]).missing] as const),
);
const keyMissing = (key: ClientKey) => opensslMissing || backendMissing.get(KEY_BACKEND[key]) === true;
const usableKeys = CLIENT_KEYS.filter((key) => !keyMissing(key));

let ca: TestCa;
let rootPem: Buffer;
let serverCerts: Record<ServerCert, IssuedCert>;
let clients: Clients | undefined;
let pool: ServerPool | undefined;

beforeAll(async () => {
  if (opensslMissing) return;
  ca = await createTestCa();
  rootPem = await readFile(ca.rootFile);
  const sans = ['DNS:localhost', 'IP:127.0.0.1'];
  const [rsa, ec] = await Promise.all([ca.issueServer({ sans }), ca.issueServer({ sans, ec: true })]);
  serverCerts = { rsa, ec };
  pool = new ServerPool((version, cert) => ({
    version,
    certFile: serverCerts[cert].certFile,
    keyFile: serverCerts[cert].keyFile,
    chainFile: ca.intermediateFile,
    clientCaFile: ca.rootFile,
  }));
  clients = await makeClients(usableKeys, ca);
}, 180_000);

afterAll(async () => {
  await pool?.stopAll();
  await clients?.stop();
  await ca?.stop();
}, 60_000);

function identity(key: ClientKey): ClientIdentity {
  const found = clients?.identities.get(key);
  if (!found) throw new Error(`The ${key} identity was not made; see beforeAll`);
  return found;
}

/** An open connection with what the exchanges need. */
interface Conn {
  socket: KeyportTlsSocket;
  inbox: Inbox;
  agent: ReturnType<typeof agentOn>;
  port: number;
}

async function open(server: TlsServer, version: TlsVersion, client: ClientIdentity): Promise<Conn> {
  const socket = await connect({
    host: server.host,
    port: server.port,
    servername: 'localhost',
    ca: [rootPem],
    signer: client.signer,
    chain: client.chain,
    minVersion: version,
    maxVersion: version,
    timeoutMs: 20_000,
  });
  return { socket, inbox: new Inbox(socket), agent: agentOn(socket), port: server.port };
}

async function withConn<T>(server: TlsServer, version: TlsVersion, client: ClientIdentity, fn: (c: Conn) => Promise<T>): Promise<T> {
  const conn = await open(server, version, client);
  try {
    return await fn(conn);
  } finally {
    await closeSocket(conn.socket, conn.agent);
  }
}

/** The server's evidence entries for this client's leaf. */
async function evidenceOf(server: TlsServer, client: ClientIdentity) {
  return (await server.evidence()).filter((e) => e.fingerprintSha256 === client.fingerprint);
}

/** The server verified one more connection with our leaf, over `version`. */
async function expectNewEvidence(server: TlsServer, client: ClientIdentity, version: TlsVersion, before: number): Promise<void> {
  await vi.waitFor(async () => expect(await evidenceOf(server, client)).toHaveLength(before + 1), { timeout: 5_000 });
  const latest = (await evidenceOf(server, client)).at(-1);
  expect(latest?.version).toBe(version);
  expect(latest?.subject).toContain(`CN=${client.cn}`);
}

/** What we negotiated: the version, our certificate and a signature scheme the server asked for. */
function expectNegotiated(info: TlsInfo, version: TlsVersion, cert: ServerCert, client: ClientIdentity): void {
  expect(info.version).toBe(version);
  expect(info.clientCertificateSent).toBe(true);
  const scheme = info.signatureScheme;
  const asked = info.certificateRequest?.signatureAlgorithms ?? [];
  // The key's most preferred scheme among those the server asked for (no PKCS#1 v1.5 on 1.3).
  const usable = client.signer.schemes.filter((s) => asked.includes(s) && !(version === 'TLSv1.3' && s.startsWith('rsa_pkcs1')));
  expect(scheme).toBe(usable[0]);
  const rsaKey = client.key === 'softhsm-rsa';
  if (version === 'TLSv1.3') expect(scheme).toMatch(rsaKey ? /^rsa_pss_rsae_sha(256|384|512)$/ : /^ecdsa_secp256r1_sha256$/);
  else expect(scheme).toMatch(rsaKey ? /^rsa_/ : /^ecdsa_/);
  expect(info.serverSignatureScheme).toMatch(cert === 'rsa' ? /^rsa_/ : /^ecdsa_/);
}

function keyUpdates(trace: TraceEvent[], direction: TraceEvent['direction']): number {
  return trace.filter((e) => e.direction === direction && e.type === 'KeyUpdate').length;
}

function line(what: string): Buffer {
  return Buffer.from(`${what} ${randomBytes(6).toString('hex')}\n`);
}

describe.each(TLS_SERVER_KINDS)('%s', (kind) => {
  const kindMissing = opensslMissing || serverMissing.get(kind) === true;
  const server = (version: TlsVersion, cert: ServerCert) => pool!.get(kind, version, cert);

  for (const version of VERSIONS) {
    for (const cert of SERVER_CERTS) {
      for (const key of CLIENT_KEYS) {
        it.skipIf(kindMissing || keyMissing(key))(`${kind} ${version} ${key} server-${cert}`, async () => {
          const s = await server(version, cert);
          const client = identity(key);
          const before = (await evidenceOf(s, client)).length;
          await withConn(s, version, client, async (conn) => {
            const message = line(`hello ${kind} ${version} ${key} ${cert}`);
            expect((await roundTrip(kind, conn, message)).toString()).toBe(message.toString());
            expectNegotiated(conn.socket.tlsInfo, version, cert, client);
          });
          await expectNewEvidence(s, client, version, before);
        });
      }
    }

    it.skipIf(kindMissing || keyMissing(ROUND_TRIP_KEY))(`${kind} ${version} 16 MiB round trip`, async () => {
      const s = await server(version, 'ec');
      const payload = bulkPayload();
      await withConn(s, version, identity(ROUND_TRIP_KEY), async (conn) => {
        const echoed = await roundTrip(kind, conn, payload);
        expect(echoed.length).toBe(payload.length);
        expect(echoed.equals(payload)).toBe(true);
      });
    }, 120_000);
  }

  it.skipIf(kindMissing || keyMissing(ROUND_TRIP_KEY))(`${kind} TLSv1.3 client KeyUpdate`, async () => {
    const s = await server('TLSv1.3', 'ec');
    await withConn(s, 'TLSv1.3', identity(ROUND_TRIP_KEY), async (conn) => {
      const first = line('before the KeyUpdate');
      expect(await roundTrip(kind, conn, first)).toEqual(first);
      const trace = conn.socket.trace;
      const [sent, received] = [keyUpdates(trace, 'sent'), keyUpdates(trace, 'received')];
      conn.socket.keyUpdate(true);
      const second = line('after the KeyUpdate');
      if (kind === 'nginx') {
        const { body, reused } = await httpEcho(conn.agent, conn.port, second);
        expect(reused).toBe(true); // the same connection, not a new one
        expect(body).toEqual(second);
      } else {
        expect(await roundTrip(kind, conn, second)).toEqual(second);
      }
      // Ours went out, and the server answered the update_requested with its own before echoing.
      expect(keyUpdates(conn.socket.trace, 'sent')).toBe(sent + 1);
      expect(keyUpdates(conn.socket.trace, 'received')).toBe(received + 1);
    });
  });
});

describe('server-initiated KeyUpdate', () => {
  const key = ROUND_TRIP_KEY;

  it.skipIf(opensslMissing || keyMissing(key))('openssl TLSv1.3 server KeyUpdate', async () => {
    const client = identity(key);
    const s = await startOpenSslControlServer({
      version: 'TLSv1.3',
      certFile: serverCerts.ec.certFile,
      keyFile: serverCerts.ec.keyFile,
      chainFile: ca.intermediateFile,
      clientCaFile: ca.rootFile,
    });
    try {
      await withConn(s, 'TLSv1.3', client, async ({ socket, inbox }) => {
        const before = line('before').toString();
        socket.write(before);
        await vi.waitFor(() => expect(s.received()).toContain(before.trim()));
        await s.serverKeyUpdate();
        const fromServer = line('from the server after its KeyUpdate').toString();
        await s.send(fromServer);
        await inbox.until(() => inbox.bytes().toString().includes(fromServer), 'the server\'s line after its KeyUpdate');
        const fromClient = line('from the client after the KeyUpdate').toString();
        socket.write(fromClient);
        await vi.waitFor(() => expect(s.received()).toContain(fromClient.trim()));
        // The server's KeyUpdate asked for ours: one each way.
        expect(keyUpdates(socket.trace, 'received')).toBe(1);
        expect(keyUpdates(socket.trace, 'sent')).toBe(1);
      });
      await expectNewEvidence(s, client, 'TLSv1.3', 0);
    } finally {
      await s.stop();
    }
  });

  it.skipIf(opensslMissing || serverMissing.get('gnutls') === true || keyMissing(key))('gnutls TLSv1.3 server KeyUpdate', async () => {
    const s = await pool!.get('gnutls', 'TLSv1.3', 'ec');
    await withConn(s, 'TLSv1.3', identity(key), async (conn) => {
      const from = conn.inbox.length;
      conn.socket.write(GNUTLS_KEY_UPDATE_LINE);
      await conn.inbox.until(() => conn.inbox.length - from >= GNUTLS_COMMAND_REPLY.length, 'gnutls-serv to run the KeyUpdate command');
      expect(conn.inbox.bytes(from).toString()).toBe(GNUTLS_COMMAND_REPLY);
      const after = line('after the server KeyUpdate');
      expect(await roundTrip('gnutls', conn, after)).toEqual(after);
      expect(keyUpdates(conn.socket.trace, 'received')).toBe(1);
      expect(keyUpdates(conn.socket.trace, 'sent')).toBe(1);
    });
  });
});
