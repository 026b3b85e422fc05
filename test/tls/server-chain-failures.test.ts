/**
 * Bad server chains met by connect() against a real node:tls server: each a typed error naming the
 * problem, within the timeout. (The verifier's own corpus is test/verify; this checks the TLS client
 * wires its verdicts through.)
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memorySigner } from '../../src/core/keystores/memory-signer';
import { createCsr } from '../../src/core/pki/csr';
import { connect } from '../../src/core/tls';
import { isKeyportError } from '../../src/shared/errors';
import { requireBackend } from '../testbed/backend';
import { createTestCa, type TestCa } from '../testbed/ca';

const { missing } = requireBackend('openssl');

describe.skipIf(missing)('server chains the client must refuse', () => {
  let ca: TestCa;
  const servers: Server[] = [];

  beforeAll(async () => {
    ca = await createTestCa({ ec: true });
  });
  afterAll(async () => {
    for (const s of servers) s.close();
    await ca?.stop();
  });

  /** A server key with a certificate signed by the test CA as `opts` say; returns cert chain and key. */
  async function serverCert(opts: Parameters<TestCa['signCsr']>[1]) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const csr = await createCsr({ subject: 'CN=localhost', sans: ['localhost'], signer: memorySigner(privateKey) });
    return { chainPem: await ca.signCsr(csr, opts), keyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string };
  }

  async function serve(certPem: string, keyPem: string): Promise<number> {
    const server = createServer({ cert: certPem, key: keyPem }, (s) => s.end());
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  async function expectRefused(port: number, code: string, servername = 'localhost'): Promise<string> {
    const err = await connect({ host: '127.0.0.1', port, servername, ca: [Buffer.from(ca.rootPem)], timeoutMs: 5000 }).then(
      (s) => {
        s.destroy();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(isKeyportError(err) ? err.code : err).toBe(code);
    return (err as Error).message;
  }

  it('an expired server certificate: KEYPORT_TLS_CERT_EXPIRED', async () => {
    const c = await serverCert({ eku: ['serverAuth'], notBefore: new Date(Date.now() - 10 * 86_400_000), days: 2 });
    const message = await expectRefused(await serve(c.chainPem, c.keyPem), 'KEYPORT_TLS_CERT_EXPIRED');
    expect(message).toMatch(/expired/i);
  });

  it('a server certificate for clients only (EKU clientAuth): KEYPORT_TLS_BAD_CERTIFICATE', async () => {
    const c = await serverCert({ eku: ['clientAuth'] });
    const message = await expectRefused(await serve(c.chainPem, c.keyPem), 'KEYPORT_TLS_BAD_CERTIFICATE');
    expect(message).toMatch(/serverAuth|server authentication|usage/i);
  });

  it('a server that leaves out its intermediate: KEYPORT_TLS_UNKNOWN_CA naming the missing issuer', async () => {
    const c = await serverCert({ eku: ['serverAuth'] });
    const leafOnly = c.chainPem.split(/(?<=-----END CERTIFICATE-----\n)/)[0]!;
    const message = await expectRefused(await serve(leafOnly, c.keyPem), 'KEYPORT_TLS_UNKNOWN_CA');
    expect(message).toMatch(/intermediate|issued by/i);
  });

  it('a good chain for another name: KEYPORT_TLS_HOSTNAME_MISMATCH', async () => {
    const c = await serverCert({ eku: ['serverAuth'] });
    await expectRefused(await serve(c.chainPem, c.keyPem), 'KEYPORT_TLS_HOSTNAME_MISMATCH', 'api.example');
  });

  it('the same good chain is accepted (the test can fail the other way)', async () => {
    const c = await serverCert({ eku: ['serverAuth'] });
    const port = await serve(c.chainPem, c.keyPem);
    const s = await connect({ host: '127.0.0.1', port, servername: 'localhost', ca: [Buffer.from(ca.rootPem)], timeoutMs: 5000 });
    expect(s.tlsInfo.serverChain).toHaveLength(2);
    s.destroy();
  });
});
