/**
 * gRPC through a route with alpn=h2: a @grpc/grpc-js client with insecure credentials (h2c) talks
 * to the route; Keyport carries it over TLS with ALPN h2 and our client certificate to a grpc-js
 * server that requires one. A unary call (the server answers with the CN it verified) and a 10 MB
 * server stream that arrives with the same SHA-256.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keychainBackend, type Backend } from '../identity/backends';
import { requireBackend } from '../testbed/backend';
import { createTestCa, type TestCa } from '../testbed/ca';
import { tempDir, type TempDir } from '../testbed/proc';
import { freePort, routeStatus, runCli, startProxyCli, type ProxyProc } from './helpers';

const missing = requireBackend('openssl').missing || requireBackend('keyring').missing;

const raw = { serialize: (b: Buffer) => b, deserialize: (b: Buffer) => b };
const SERVICE = {
  whoami: { path: '/keyport.test.Probe/Whoami', requestStream: false, responseStream: false, requestSerialize: raw.serialize, requestDeserialize: raw.deserialize, responseSerialize: raw.serialize, responseDeserialize: raw.deserialize },
  download: { path: '/keyport.test.Probe/Download', requestStream: false, responseStream: true, requestSerialize: raw.serialize, requestDeserialize: raw.deserialize, responseSerialize: raw.serialize, responseDeserialize: raw.deserialize },
} satisfies grpc.ServiceDefinition;

const CHUNK = 64 * 1024;
const TOTAL = 10 * 1024 * 1024;
/** Deterministic bytes: chunk i is filled with (i * 7) mod 251 and its index. */
function chunk(i: number): Buffer {
  const b = Buffer.alloc(CHUNK, (i * 7) % 251);
  b.writeUInt32BE(i, 0);
  return b;
}

describe.skipIf(missing)('gRPC through a route with alpn=h2', () => {
  let ca: TestCa;
  let backend: Backend;
  let data: TempDir;
  let server: grpc.Server;
  let proxy: ProxyProc;
  let client: grpc.Client;

  beforeAll(async () => {
    [ca, backend, data] = await Promise.all([createTestCa({ ec: true }), keychainBackend(), tempDir('proxy-grpc')]);
    const [tlsServer, alice] = await Promise.all([ca.issueServer({ sans: ['DNS:localhost'], ec: true }), ca.issueClient({ cn: 'grpc-alice', ec: true })]);
    server = new grpc.Server();
    server.addService(SERVICE, {
      whoami: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
        const peer = call.getAuthContext().sslPeerCertificate;
        cb(null, Buffer.from(`${peer?.subject?.CN ?? 'nobody'} said ${call.request.toString()}`));
      },
      download: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
        let i = 0;
        const more = (): void => {
          while (i * CHUNK < TOTAL) if (!call.write(chunk(i++))) return void call.once('drain', more);
          call.end();
        };
        more();
      },
    });
    const creds = grpc.ServerCredentials.createSsl(
      await readFile(ca.rootFile),
      [{ private_key: await readFile(tlsServer.keyFile), cert_chain: Buffer.from(tlsServer.chainPem) }],
      true,
    );
    const grpcPort = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', creds, (e, port) => (e ? reject(e) : resolve(port))));
    const imported = await runCli(['import', alice.chainFile, '--key', alice.keyFile, '--json'], { dataDir: data.path, env: backend.env });
    expect(imported.stderr).toBe('');
    const routePort = await freePort();
    proxy = await startProxyCli(data.path, ['--route', `127.0.0.1:${routePort}=127.0.0.1:${grpcPort},identity=grpc-alice,ca=${ca.rootFile},servername=localhost,alpn=h2`], { env: backend.env });
    const Client = grpc.makeGenericClientConstructor(SERVICE, 'Probe');
    client = new Client(`127.0.0.1:${routePort}`, grpc.credentials.createInsecure());
  }, 90_000);

  afterAll(async () => {
    client?.close();
    await proxy?.stop();
    await new Promise<void>((resolve) => (server ? server.tryShutdown(() => resolve()) : resolve()));
    await Promise.allSettled([ca?.stop(), backend?.stop()]);
    await data?.remove();
  });

  it('a unary call reaches the server as our identity', async () => {
    const answer = await new Promise<Buffer>((resolve, reject) =>
      (client as unknown as { whoami(req: Buffer, cb: (e: Error | null, r: Buffer) => void): void }).whoami(Buffer.from('hello'), (e, r) => (e ? reject(e) : resolve(r))),
    );
    expect(answer.toString()).toBe('grpc-alice said hello');
  });

  it('a 10 MB server stream arrives whole, with the same SHA-256', async () => {
    const expected = createHash('sha256');
    for (let i = 0; i * CHUNK < TOTAL; i++) expected.update(chunk(i));
    const got = createHash('sha256');
    let bytes = 0;
    await new Promise<void>((resolve, reject) => {
      const call = (client as unknown as { download(req: Buffer): grpc.ClientReadableStream<Buffer> }).download(Buffer.alloc(0));
      call.on('data', (b: Buffer) => {
        bytes += b.length;
        got.update(b);
      });
      call.on('error', reject);
      call.on('end', resolve);
    });
    expect(bytes).toBe(TOTAL);
    expect(got.digest('hex')).toBe(expected.digest('hex'));
    const stats = await routeStatus(proxy);
    expect(stats.bytesDown as number).toBeGreaterThan(TOTAL);
    expect(stats.errors).toEqual({});
  }, 60_000);
});
