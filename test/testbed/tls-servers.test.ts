/**
 * The interop peers themselves: every server kind x TLS 1.2/1.3 x RSA/EC server certificate
 * verifies our client certificate, echoes, answers a client KeyUpdate, reports what it
 * verified, and refuses clients without a certificate or with one from an unknown CA; with
 * an EC server certificate, 16 MiB also make the round trip through a Node client.
 */
import { randomBytes, X509Certificate } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  GNUTLS_COMMAND_REPLY,
  GNUTLS_KEY_UPDATE_LINE,
  NGINX_ECHO_PATH,
  NGINX_WHOAMI_PATH,
  TLS_SERVER_KINDS,
  TLS_SERVER_PROBES,
  startOpenSslControlServer,
  startScriptedServer,
  startStallingServer,
  startSClient,
  startTlsServer,
  type ClientCertFiles,
  type TlsServer,
  type TlsServerKind,
  type TlsVersion,
} from './tls-servers.js';
import { requireBackend } from './backend.js';
import { createTestCa } from './ca.js';
import { runChecked, tempDir } from './proc.js';

/** Files of a root CA, an intermediate, two server certificates and two client certificates. */
interface Pki {
  rootCa: string;
  intermediate: string;
  server: Record<'rsa' | 'ec', { certFile: string; keyFile: string }>;
  client: ClientCertFiles & { fingerprint: string; subject: string };
  /** Issued by a CA the servers do not trust. */
  stranger: ClientCertFiles;
  stop(): Promise<void>;
}

const opensslMissing = requireBackend('openssl').missing; // s_client is every test's client

let pki: Pki;

beforeAll(async () => {
  if (!opensslMissing) pki = await makePki();
});

afterAll(async () => {
  await pki?.stop();
});

const VERSIONS: TlsVersion[] = ['TLSv1.2', 'TLSv1.3'];
const CERTS = ['rsa', 'ec'] as const;

describe.each(TLS_SERVER_KINDS)('%s server', (kind) => {
  const missing = opensslMissing || requireBackend(`tls-${kind}`, TLS_SERVER_PROBES[kind]).missing;
  it.skipIf(missing).each(VERSIONS.flatMap((version) => CERTS.map((cert) => ({ version, cert }))))(
    'verifies the client, echoes and refuses strangers over $version with an $cert certificate',
    async ({ version, cert }) => {
      const server = await start(kind, version, cert);
      try {
        await checkEchoWithSClient(server, version);
        await expectEvidence(server, version, 1);
        await expectRefused(server, version, undefined);
        await expectRefused(server, version, pki.stranger);
        expect(await server.evidence()).toHaveLength(1); // the refused clients left no evidence
        if (cert === 'ec') await checkBulkEcho(server, version);
      } finally {
        await server.stop();
      }
    },
  );
});

describe.skipIf(opensslMissing || requireBackend('tls-gnutls', TLS_SERVER_PROBES.gnutls).missing)('server-initiated KeyUpdate', () => {
  it('openssl s_server in control mode sends one, and both directions keep working', async () => {
    const server = await startOpenSslControlServer(serverOptions('TLSv1.3', 'ec'));
    try {
      const socket = await connectNode(server.port, 'TLSv1.3');
      const received = collect(socket);
      socket.write('before\n');
      await vi.waitFor(() => expect(server.received()).toContain('before'));
      await server.serverKeyUpdate();
      await server.send('from server after KeyUpdate\n');
      await vi.waitFor(() => expect(received.text()).toContain('from server after KeyUpdate\n'));
      socket.write('from client after KeyUpdate\n');
      await vi.waitFor(() => expect(server.received()).toContain('from client after KeyUpdate'));
      socket.destroy();
      await expectEvidence(server, 'TLSv1.3', 1);
    } finally {
      await server.stop();
    }
  });

  it('gnutls-serv sends one when the client asks in band', async () => {
    const server = await startTlsServer('gnutls', serverOptions('TLSv1.3', 'ec'));
    try {
      const socket = await connectNode(server.port, 'TLSv1.3');
      const received = collect(socket);
      socket.write(GNUTLS_KEY_UPDATE_LINE);
      await vi.waitFor(() => expect(received.text()).toBe(GNUTLS_COMMAND_REPLY));
      socket.write('after the KeyUpdate\n');
      await vi.waitFor(() => expect(received.text()).toBe(GNUTLS_COMMAND_REPLY + 'after the KeyUpdate\n'));
      socket.destroy();
    } finally {
      await server.stop();
    }
  });
});

describe('raw servers', () => {
  it('a stalling server accepts and never answers', async () => {
    const server = await startStallingServer();
    try {
      const socket = tls.connect({ host: server.host, port: server.port, servername: 'localhost' });
      let answered = false;
      socket.on('secureConnect', () => (answered = true));
      socket.on('data', () => (answered = true));
      socket.on('error', () => (answered = true));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(answered).toBe(false);
      expect(server.connections()).toBe(1);
      socket.destroy();
    } finally {
      await server.stop();
    }
  });

  it('a scripted server sends the given bytes and closes', async () => {
    const alert = Buffer.from('15030300020228', 'hex'); // fatal handshake_failure
    const server = await startScriptedServer((socket) => {
      socket.end(alert);
    });
    try {
      const socket = net.connect(server.port, server.host);
      const received = collect(socket);
      await new Promise((resolve) => socket.on('close', resolve));
      expect(received.bytes()).toEqual(alert);
    } finally {
      await server.stop();
    }
  });
});

function serverOptions(version: TlsVersion, cert: 'rsa' | 'ec') {
  return { version, ...pki.server[cert], chainFile: pki.intermediate, clientCaFile: pki.rootCa };
}

function start(kind: TlsServerKind, version: TlsVersion, cert: 'rsa' | 'ec'): Promise<TlsServer> {
  return startTlsServer(kind, serverOptions(version, cert));
}

/** One s_client session: a line echoed (nginx: an HTTP echo), then a client KeyUpdate on 1.3. */
async function checkEchoWithSClient(server: TlsServer, version: TlsVersion): Promise<void> {
  const client = startSClient({ port: server.port, version, caFile: pki.rootCa, client: pki.client });
  try {
    const first = `hello-${randomBytes(6).toString('hex')}\n`;
    await client.write(server.kind === 'nginx' ? httpEcho(first) : first);
    await client.waitFor(first);
    if (version === 'TLSv1.3') {
      await client.write('K\n'); // KeyUpdate, update_requested: the server must answer with its own
      await client.waitFor('>>> TLS 1.3, Handshake [length 0005], KeyUpdate\n'); // before more stdin: one read
      const second = `after-keyupdate-${randomBytes(6).toString('hex')}\n`;
      await client.write(server.kind === 'nginx' ? httpEcho(second) : second);
      await client.waitFor(second);
      expect(client.output()).toMatch(/^<<< TLS 1\.3, Handshake \[length 0005\], KeyUpdate$/m);
    }
  } finally {
    await client.close();
  }
}

function httpEcho(body: string): string {
  return `POST ${NGINX_ECHO_PATH} HTTP/1.1\r\nHost: localhost\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
}

async function expectEvidence(server: TlsServer, version: TlsVersion, count: number): Promise<void> {
  await vi.waitFor(async () => expect(await server.evidence()).toHaveLength(count));
  for (const e of await server.evidence()) {
    expect(e).toMatchObject({ fingerprintSha256: pki.client.fingerprint, subject: pki.client.subject, version });
    expect(e.cipher).not.toBe('');
  }
}

/** A client without a certificate, or with a stranger's, gets no echo and the server says why. */
async function expectRefused(server: TlsServer, version: TlsVersion, client: ClientCertFiles | undefined) {
  const before = (await server.rejections()).length;
  const session = startSClient({ port: server.port, version, caFile: pki.rootCa, ...(client ? { client } : {}) });
  try {
    if (server.kind === 'nginx') {
      // nginx finishes the handshake and refuses the request with 400.
      await session.write(`GET ${NGINX_WHOAMI_PATH} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
      await session.waitFor('HTTP/1.1 400 Bad Request');
    } else {
      await session.write('refused?\n').catch(() => undefined);
      await Promise.race([session.proc.exited(), new Promise((resolve) => setTimeout(resolve, 10_000))]);
      expect(session.proc.child.exitCode).not.toBe(0);
      expect(session.output()).not.toContain('refused?');
    }
  } finally {
    await session.close();
  }
  await vi.waitFor(async () => expect((await server.rejections()).length).toBeGreaterThan(before));
}

let payload: Buffer | undefined;

/** 16 MiB of newline-terminated text (gnutls-serv echoes lines, and no NUL bytes). */
function bulkPayload(): Buffer {
  if (!payload) {
    const seed = randomBytes(12 * 1024 * 1024);
    const lines = seed.toString('base64').match(/.{1,63}/g) ?? [];
    payload = Buffer.from(lines.join('\n') + '\n').subarray(0, 16 * 1024 * 1024);
    payload[payload.length - 1] = 0x0a;
  }
  return payload;
}

/** Sends 16 MiB through a Node client and checks that exactly those bytes come back. */
async function checkBulkEcho(server: TlsServer, version: TlsVersion): Promise<void> {
  const payload = bulkPayload();
  const echoed = server.kind === 'nginx' ? await httpsPost(server.port, version, payload) : await tlsEcho(server.port, version, payload);
  expect(echoed.length).toBe(payload.length);
  expect(echoed.equals(payload)).toBe(true);
  await expectEvidence(server, version, 2);
}

async function tlsEcho(port: number, version: TlsVersion, payload: Buffer): Promise<Buffer> {
  const socket = await connectNode(port, version);
  const received = collect(socket);
  socket.write(payload);
  await vi.waitFor(() => expect(received.length()).toBeGreaterThanOrEqual(payload.length), { timeout: 30_000 });
  socket.end();
  return received.bytes();
}

async function httpsPost(port: number, version: TlsVersion, payload: Buffer): Promise<Buffer> {
  const options = await clientTlsOptions(version);
  return new Promise((resolve, reject) => {
    const request = https.request(
      { host: '127.0.0.1', port, path: NGINX_ECHO_PATH, method: 'POST', agent: false, ...options },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve(Buffer.concat(chunks)));
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

async function clientTlsOptions(version: TlsVersion): Promise<tls.ConnectionOptions> {
  const read = (file: string) => readFile(file, 'utf8');
  const [ca, leaf, chain, key] = await Promise.all([read(pki.rootCa), read(pki.client.certFile), read(pki.intermediate), read(pki.client.keyFile)]);
  return { ca, cert: leaf + chain, key, servername: 'localhost', minVersion: version, maxVersion: version };
}

async function connectNode(port: number, version: TlsVersion): Promise<tls.TLSSocket> {
  const socket = tls.connect({ host: '127.0.0.1', port, ...(await clientTlsOptions(version)) });
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

function collect(socket: NodeJS.ReadableStream) {
  const chunks: Buffer[] = [];
  let length = 0;
  socket.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    length += chunk.length;
  });
  socket.on('error', () => undefined);
  return { length: () => length, bytes: () => Buffer.concat(chunks), text: () => Buffer.concat(chunks).toString() };
}

/** Our CA (root + intermediate) issuing every leaf, and another CA for the stranger. */
async function makePki(): Promise<Pki> {
  const ca = await createTestCa();
  const strangerCa = await createTestCa({ ec: true });
  const dir = await tempDir('tls-servers-test');
  const sans = ['DNS:localhost', 'IP:127.0.0.1'];
  const [rsa, ec, stranger] = await Promise.all([
    ca.issueServer({ sans }),
    ca.issueServer({ sans, ec: true }),
    strangerCa.issueClient({ cn: 'mallory' }),
  ]);
  // Two RDNs, so that every server's subject order is checked.
  const clientKey = path.join(dir.path, 'client.key');
  await runChecked('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', clientKey]);
  const { stdout: csr } = await runChecked('openssl', ['req', '-new', '-key', clientKey, '-subj', '/CN=unused']);
  const clientChain = await ca.signCsr(csr, { subject: '/O=Keyport Test/CN=alice', eku: ['clientAuth'] });
  const clientCert = path.join(dir.path, 'client.pem');
  await writeFile(clientCert, clientChain.slice(0, clientChain.length - ca.intermediatePem.length));
  return {
    rootCa: ca.rootFile,
    intermediate: ca.intermediateFile,
    server: { rsa: { certFile: rsa.certFile, keyFile: rsa.keyFile }, ec: { certFile: ec.certFile, keyFile: ec.keyFile } },
    client: {
      certFile: clientCert,
      keyFile: clientKey,
      chainFile: ca.intermediateFile,
      fingerprint: new X509Certificate(clientChain).fingerprint256.replaceAll(':', '').toLowerCase(),
      subject: 'CN=alice,O=Keyport Test',
    },
    stranger: { certFile: stranger.certFile, keyFile: stranger.keyFile, chainFile: strangerCa.intermediateFile },
    stop: async () => {
      await Promise.all([ca.stop(), strangerCa.stop(), dir.remove()]);
    },
  };
}
