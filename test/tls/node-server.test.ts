import { createHash, randomBytes } from 'node:crypto';
import { Agent, createServer as createHttpsServer, get, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, createConnectionFor, type ConnectOptions } from '../../src/core/tls';
import { createPki, type TestCert, type TestPki } from './helpers/pki';
import { startNodeTls, type NodeTlsServer } from './helpers/servers';
import { countingSigner } from './helpers/signer';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('against node:tls servers that require a client certificate', () => {
  let pki: TestPki;
  let server: TestCert;
  const clients = {} as Record<'ec' | 'rsa', TestCert>;
  let echo: NodeTlsServer;
  const peers: string[] = [];
  const stops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    pki = createPki();
    server = pki.issue({ name: 'localhost', kind: 'rsa', usage: 'server' });
    clients.ec = pki.issue({ name: 'node-client-ec', kind: 'ec', usage: 'client' });
    clients.rsa = pki.issue({ name: 'node-client-rsa', kind: 'rsa', usage: 'client' });
    echo = await startNodeTls(
      { cert: server.certPem, key: server.keyPem, ca: pki.ca.certPem, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2', ALPNProtocols: ['echo/1', 'http/1.1'] },
      (s: TLSSocket) => {
        peers.push(String(s.getPeerCertificate().subject?.CN));
        s.pipe(s);
      },
    );
    stops.push(() => echo.stop());
  });

  afterAll(async () => {
    await Promise.all(stops.map((s) => s()));
    pki?.cleanup();
  });

  const identity = (kind: 'ec' | 'rsa'): Partial<ConnectOptions> => ({ signer: countingSigner(clients[kind].key), chain: [clients[kind].certDer] });
  const opts = (port: number): ConnectOptions => ({ host: '127.0.0.1', port, servername: 'localhost', ca: [pki.ca.certPem], timeoutMs: 10_000 });

  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    for (const kind of ['ec', 'rsa'] as const) {
      it(`${version}: the server sees the ${kind} client certificate and echoes 16 MB intact`, async () => {
        const seen = peers.length;
        const sock = await connect({ ...opts(echo.port), ...identity(kind), minVersion: version, maxVersion: version, alpn: ['echo/1'] });
        expect(sock.tlsInfo.alpn).toBe('echo/1');
        // On 1.3 the server finishes its side after our Finished arrives.
        for (let i = 0; i < 100 && peers.length === seen; i++) await new Promise((r) => setTimeout(r, 10));
        expect(peers.at(-1)).toBe(`node-client-${kind}`);
        const data = randomBytes(16 * 1024 * 1024);
        const chunks: Buffer[] = [];
        let received = 0;
        const done = new Promise<void>((resolve, reject) => {
          sock.on('data', (d: Buffer) => {
            chunks.push(d);
            received += d.length;
            if (received >= data.length) resolve();
          });
          sock.once('error', reject);
        });
        sock.write(data);
        await done;
        expect(sha(Buffer.concat(chunks))).toBe(sha(data));
        // close_notify both ways: our end() sends it; the echo server answers with its own.
        const ended = new Promise<void>((r) => sock.once('end', r));
        sock.end();
        await ended;
        const alerts = sock.trace.filter((e) => e.kind === 'alert').map((e) => `${e.direction} ${e.type}`);
        expect(alerts).toEqual(expect.arrayContaining(['sent warning close_notify(0)', 'received warning close_notify(0)']));
      });
    }
  }

  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    it(`regression: ${version}: data written and ended before the handshake finished never left (nor, on 1.3, our Finished); now it is echoed`, async () => {
      // end() right after write(): the write's callback, run as the handshake finished, ended the
      // stream at once, and our FIN went out while the last flight was still held, so it was dropped.
      for (let i = 0; i < 5; i++) {
        const sock = createConnectionFor({ ...opts(echo.port), ...identity('ec'), minVersion: version, maxVersion: version });
        const answer = new Promise<string>((resolve, reject) => {
          const chunks: Buffer[] = [];
          sock.on('data', (d: Buffer) => chunks.push(d));
          sock.once('end', () => resolve(Buffer.concat(chunks).toString()));
          sock.once('error', reject);
        });
        sock.end('still here');
        expect(await answer).toBe('still here');
        sock.destroy();
      }
    });
  }

  it('takes the client identity as one `identity` object too, and refuses it given twice', async () => {
    const { signer, chain } = identity('ec') as Required<Pick<ConnectOptions, 'signer' | 'chain'>>;
    const sock = await connect({ ...opts(echo.port), identity: { signer, chain } });
    expect(sock.tlsInfo.clientCertificateSent).toBe(true);
    sock.destroy();
    await expect(connect({ ...opts(echo.port), identity: { signer, chain }, signer })).rejects.toMatchObject({
      code: 'KEYPORT_INVALID_ARGUMENT',
      message: expect.stringMatching(/one way only/),
    });
  });

  it('keeps memory bounded when the reader is slower than the server (backpressure)', async () => {
    const big = randomBytes(8 * 1024 * 1024);
    const s = await startNodeTls({ cert: server.certPem, key: server.keyPem }, (sock) => sock.end(big));
    stops.push(() => s.stop());
    const sock = await connect(opts(s.port));
    sock.pause();
    await new Promise((r) => setTimeout(r, 300));
    expect(sock.readableLength).toBeLessThan(2 * 1024 * 1024);
    const chunks: Buffer[] = [];
    sock.on('data', (d: Buffer) => chunks.push(d));
    sock.resume();
    await new Promise((r) => sock.once('end', r));
    expect(sha(Buffer.concat(chunks))).toBe(sha(big));
  });

  it('node:https GET rides on createConnectionFor (writes wait for the handshake)', async () => {
    const https: Server = createHttpsServer(
      { cert: server.certPem, key: server.keyPem, ca: pki.ca.certPem, requestCert: true, rejectUnauthorized: true },
      (req, res) => res.end(`hello ${(req.socket as TLSSocket).getPeerCertificate().subject?.CN}`),
    );
    await new Promise<void>((r) => https.listen(0, '127.0.0.1', r));
    stops.push(() => new Promise((r) => https.close(() => r())));
    const port = (https.address() as AddressInfo).port;
    const agent = new Agent({ keepAlive: false });
    (agent as unknown as { createConnection: () => unknown }).createConnection = () => createConnectionFor({ ...opts(port), ...identity('ec') });
    const body = await new Promise<string>((resolve, reject) => {
      get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d));
        res.on('end', () => resolve(`${res.statusCode} ${text}`));
      }).on('error', reject);
    });
    expect(body).toBe('200 hello node-client-ec');
  });
});
