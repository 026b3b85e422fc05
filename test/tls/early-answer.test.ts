/**
 * A server that answers before it has read all we send, and closes: an early answer to an upload
 * (413, 401 while the body still flows). Our next write then fails (EPIPE, ECONNRESET), and
 * net.Socket closed itself on it, so the answer, already in our receive buffer, was lost unread;
 * curl, talking to the same server directly, shows it. Now the answer is read, then the connection
 * ends: cleanly after the server's close_notify, with the write's failure when it just vanished.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnectionFor, type KeyportTlsSocket } from '../../src/core/tls';
import { startJsonLineServer } from '../testbed/tls-servers/json-lines';
import { createPki, type TestPki } from './helpers/pki';
import { countingSigner } from './helpers/signer';

const SCRIPT = fileURLToPath(new URL('../servers/early-answer.mjs', import.meta.url));
const ANSWER = 'HTTP/1.1 413 Payload Too Large\r\nconnection: close\r\ncontent-length: 9\r\n\r\ntoo big\r\n';

/** Writes `mb` MB of upload as fast as the socket takes it; resolves with what was read and how it ended. */
function upload(sock: KeyportTlsSocket, mb: number): Promise<{ answer: string; end: string; closed: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let end = '';
    sock.on('data', (b: Buffer) => chunks.push(b));
    sock.on('end', () => (end ||= 'end'));
    sock.on('error', (e: Error & { code?: string }) => (end ||= `error ${e.code}`));
    sock.on('close', () => resolve({ answer: Buffer.concat(chunks).toString(), end, closed: true }));
    sock.write(`POST /up HTTP/1.1\r\nhost: localhost\r\ncontent-length: ${mb * 1024 * 1024}\r\n\r\n`);
    const piece = Buffer.alloc(64 * 1024, 7);
    let left = mb * 16;
    const more = (): void => {
      while (left-- > 0) if (!sock.write(piece)) return void sock.once('drain', more);
    };
    more();
  });
}

describe('an early answer to an upload, then the server closes', () => {
  let pki: TestPki;
  const servers = {} as Record<'closeNotify' | 'vanish', Awaited<ReturnType<typeof startJsonLineServer>>>;

  beforeAll(async () => {
    pki = createPki();
    const server = pki.issue({ name: 'localhost', kind: 'ec', usage: 'server' });
    const o = { version: 'TLSv1.3', certFile: server.certPath, keyFile: server.keyPath, clientCaFile: pki.ca.certPath } as const;
    [servers.closeNotify, servers.vanish] = await Promise.all([
      startJsonLineServer('early-answer', process.execPath, [SCRIPT, '--mode', 'close-notify'], o),
      startJsonLineServer('early-answer', process.execPath, [SCRIPT, '--mode', 'vanish'], o),
    ]);
  });

  afterAll(async () => {
    await Promise.allSettled(Object.values(servers).map((s) => s.stop()));
    pki?.cleanup();
  });

  const connect = (port: number): KeyportTlsSocket => {
    const client = pki.issue({ name: 'early-client', kind: 'ec', usage: 'client' });
    return createConnectionFor({ host: '127.0.0.1', port, servername: 'localhost', ca: [pki.ca.certPem], signer: countingSigner(client.key), chain: [client.certDer], timeoutMs: 10_000 });
  };

  it('regression: the answer was lost when the server closed after its close_notify; now read, then a clean end', async () => {
    for (let i = 0; i < 10; i++) {
      const r = await upload(connect(servers.closeNotify.port), 20);
      expect(r.answer.replace(/date: [^\r]*\r\n/i, '')).toBe(ANSWER);
      expect(r.end).toBe('end');
    }
  });

  it('regression: the answer was lost when the server vanished (reset, no close_notify); now read, then the failure', async () => {
    for (let i = 0; i < 10; i++) {
      const r = await upload(connect(servers.vanish.port), 20);
      expect(r.answer).toBe(ANSWER);
      expect(r.end).toBe('error KEYPORT_TLS_CLOSED');
    }
  });
});
