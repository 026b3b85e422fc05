/** startsTlsHandshake: real ClientHellos (node:tls, curl's OpenSSL) are seen; plain-text protocols' first bytes are not. */
import net from 'node:net';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { startsTlsHandshake } from '../../src/core/proxy/client-tls';
import { run } from '../testbed/proc';

/** The first chunk a client sends to a plain TCP server. */
async function firstBytes(connect: (port: number) => unknown): Promise<Buffer> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const got = new Promise<Buffer>((resolve) =>
    server.once('connection', (s) =>
      s.once('data', (b: Buffer) => {
        resolve(b);
        s.destroy();
      }),
    ),
  );
  connect((server.address() as net.AddressInfo).port);
  try {
    return await got;
  } finally {
    server.close();
  }
}

describe('startsTlsHandshake', () => {
  it("sees node:tls's and curl's ClientHello, also cut after 3 bytes", async () => {
    const node = await firstBytes((port) => tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }).on('error', () => undefined));
    const curl = await firstBytes((port) => void run('curl', ['-sk', '--max-time', '3', `https://127.0.0.1:${port}/`]).catch(() => undefined));
    for (const hello of [node, curl]) {
      expect(startsTlsHandshake(hello)).toBe(true);
      expect(startsTlsHandshake(hello.subarray(0, 3))).toBe(true);
    }
  });

  it('passes the first bytes of HTTP, Redis, MQTT, Postgres and a TLS record that is no ClientHello', () => {
    const plain = [
      Buffer.from('GET / HTTP/1.1\r\n'),
      Buffer.from('*1\r\n$4\r\nPING\r\n'),
      Buffer.from([0x10, 0x0c, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54]), // MQTT CONNECT
      Buffer.from([0x00, 0x00, 0x00, 0x08, 0x04, 0xd2, 0x16, 0x2f]), // Postgres SSLRequest
      Buffer.from([0x16, 0x03, 0x03, 0x00, 0x04, 0x02, 0x00, 0x00]), // a ServerHello
      Buffer.from([0x16, 0x03, 0x05, 0x00, 0x04, 0x01]), // no such TLS version
      Buffer.from([0x16, 0x03]),
    ];
    for (const b of plain) expect(startsTlsHandshake(b), b.toString('hex')).toBe(false);
  });
});
