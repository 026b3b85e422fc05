/**
 * What bench/proxy.ts measures against: upstreams (`openssl s_server -WWW` for bulk, nginx with
 * session tickets and one without for new connections, Go's echo server for latency; all TLS 1.3
 * with one cipher suite and client certificates required), a TPM identity in a
 * Keyport data dir, and the proxies run as processes: `keyport proxy` through its CLI, stunnel4 in
 * client mode with the same certificate and its key as a file, and a relay on node:tls with the same
 * (bench/peers/node-tls-relay.cjs: what a proxy on Node's own TLS costs here).
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestCa, type IssuedCert, type TestCa } from '../test/testbed/ca';
import { runCli } from '../test/testbed/cli';
import { freePort, startProcess, tempDir, type Proc } from '../test/testbed/proc';
import { startTpm, type Tpm } from '../test/testbed/tpm';
import { startTlsServer, type TlsServer } from '../test/testbed/tls-servers';
import { startOpenssl, type OpensslServer } from '../test/tls/helpers/servers';

/** Every TLS leg of the bench uses this suite (the servers accept only it). */
export const SUITE = 'TLS_AES_128_GCM_SHA256';
export const BIG = 'big.bin';
/** What users run: bin/keyport.cjs. */
const KEYPORT_BIN = fileURLToPath(new URL('../bin/keyport.cjs', import.meta.url));

/** The routes Keyport offers, by name; stunnel offers `bulk`, `echo` and `conn` (to `nginx`, as `tpmResumed`). */
export type RouteName = 'bulk' | 'echo' | 'tpmFull' | 'tpmResumed';

export interface ProxyFixture {
  ca: TestCa;
  client: IssuedCert;
  /** Serves BIG. */
  www: OpensslServer;
  /** Serves /whoami with session tickets. */
  nginx: TlsServer;
  /** The same without tickets: every handshake is a full one. */
  nginxNoTicket: TlsServer;
  echo: TlsServer;
  /** Listening ports of Keyport's routes. */
  keyport: Record<RouteName, number>;
  /** Listening ports of stunnel's services. */
  stunnel: Record<PeerService, number>;
  stunnelProc: Proc;
  /** Listening ports of the node:tls relay's services (the same three as stunnel's). */
  relay: Record<PeerService, number>;
  relayProc: Proc;
  /** Keyport's status endpoint, `http://127.0.0.1:P/TOKEN`. */
  statusUrl: string;
  proxy: Proc;
}

/**
 * Starts everything; `stops` collects how to stop it (run in reverse). With `profileDir`, the
 * Keyport proxy runs under `--cpu-prof` and writes its profile there when stopped.
 */
export async function startProxyFixture(bulkMb: number, stops: Array<() => Promise<unknown>>, profileDir?: string): Promise<ProxyFixture> {
  const [ca, dir, data, tpm] = await Promise.all([createTestCa({ ec: true }), tempDir('bench-proxy'), tempDir('bench-proxy-data'), startTpm({ label: 'bench-proxy' })]);
  stops.push(() => ca.stop(), () => dir.remove(), () => data.remove(), () => tpm.stop());
  const [server, client] = await Promise.all([ca.issueServer({ sans: ['DNS:localhost', 'IP:127.0.0.1'], ec: true }), ca.issueClient({ cn: 'bench-proxy-stunnel', ec: true })]);
  await writeFile(path.join(dir.path, BIG), randomBytes(bulkMb * 1024 * 1024));
  const wwwArgs = ['-WWW', '-tls1_3', '-ciphersuites', SUITE, '-Verify', '1', '-CAfile', ca.rootFile, '-cert', server.certFile, '-key', server.keyFile, '-cert_chain', ca.intermediateFile];
  const www = await startOpenssl(wwwArgs, dir.path);
  stops.push(() => www.stop());
  const tls = { version: 'TLSv1.3', certFile: server.certFile, keyFile: server.keyFile, chainFile: ca.intermediateFile, clientCaFile: ca.rootFile } as const;
  const [nginx, nginxNoTicket, echo] = await Promise.all([startTlsServer('nginx', tls), startTlsServer('nginx', { ...tls, sessionTickets: false }), startTlsServer('go', tls)]);
  stops.push(() => nginx.stop(), () => nginxNoTicket.stop(), () => echo.stop());

  const id = await tpmIdentity(tpm, ca, data.path);
  const upstreams: Record<RouteName, number> = { bulk: www.port, echo: echo.port, tpmFull: nginxNoTicket.port, tpmResumed: nginx.port };
  const keyport = { bulk: await freePort(), echo: await freePort(), tpmFull: await freePort(), tpmResumed: await freePort() };
  const routes = (Object.keys(keyport) as RouteName[]).flatMap((r) => ['--route', `127.0.0.1:${keyport[r]}=127.0.0.1:${upstreams[r]},identity=${id},ca=${ca.rootFile},servername=localhost`]);
  const profile = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
  const proxy = await startProcess(process.execPath, [...profile, KEYPORT_BIN, '--data-dir', data.path, '--pkcs11-module', tpm.module, 'proxy', ...routes, '--status-port', '0'], {
    name: 'keyport proxy',
    env: { ...tpm.env, KEYPORT_PIN: tpm.pin, NO_COLOR: '1' },
    ready: { line: /status: http/ },
    timeoutMs: 30_000,
  });
  stops.push(() => proxy.stop(10_000));
  const statusUrl = /status: (http:\S+)\/status/.exec(proxy.output())?.[1];
  if (!statusUrl) throw new Error(`keyport proxy printed no status address: ${proxy.output()}`);

  const peerUpstreams = { bulk: www.port, echo: echo.port, conn: nginx.port };
  const stunnel = await peerServices(peerUpstreams);
  const stunnelProc = await startStunnel(dir.path, ca, client, stunnel.services);
  stops.push(() => stunnelProc.stop());
  const relay = await peerServices(peerUpstreams);
  const relayProc = await startRelay(ca, client, relay.services);
  stops.push(() => relayProc.stop());
  return { ca, client, www, nginx, nginxNoTicket, echo, keyport, stunnel: stunnel.ports, stunnelProc, relay: relay.ports, relayProc, statusUrl, proxy };
}

/** An EC P-256 key made on the TPM, its certificate from `ca`, attached as an identity; its id. */
async function tpmIdentity(tpm: Tpm, ca: TestCa, dataDir: string): Promise<string> {
  const cli = { dataDir, env: { ...tpm.env, KEYPORT_PIN: tpm.pin } };
  const flags = ['--pkcs11-module', tpm.module];
  const key = await runCli([...flags, 'keygen', '--to', `pkcs11:${tpm.tokenLabel}`, '--alg', 'EC-P256', '--subject', 'CN=bench-proxy-tpm', '--json'], cli);
  if (key.code !== 0) throw new Error(`keyport keygen failed: ${key.stderr}`);
  const { keyId, csr } = JSON.parse(key.stdout) as { keyId: string; csr: string };
  const certFile = path.join(dataDir, 'tpm-chain.pem');
  await writeFile(certFile, await ca.signCsr(csr, { eku: ['clientAuth'] }));
  const attached = await runCli([...flags, 'attach', keyId, certFile, '--json'], cli);
  if (attached.code !== 0) throw new Error(`keyport attach failed: ${attached.stderr}`);
  return (JSON.parse(attached.stdout) as { id: string }).id;
}

type PeerService = 'bulk' | 'echo' | 'conn';

/** Free listening ports for a peer proxy's services, and each service's [listen, upstream] pair. */
async function peerServices(upstreams: Record<PeerService, number>): Promise<{ ports: Record<PeerService, number>; services: Record<PeerService, [number, number]> }> {
  const ports = { bulk: await freePort(), echo: await freePort(), conn: await freePort() };
  return { ports, services: { bulk: [ports.bulk, upstreams.bulk], echo: [ports.echo, upstreams.echo], conn: [ports.conn, upstreams.conn] } };
}

/** bench/peers/node-tls-relay.cjs under this Node, one service per [listen, upstream] pair. */
function startRelay(ca: TestCa, client: IssuedCert, services: Record<string, [number, number]>): Promise<Proc> {
  const relay = fileURLToPath(new URL('./peers/node-tls-relay.cjs', import.meta.url));
  const pairs = Object.values(services).map(([listen, upstream]) => `${listen}=${upstream}`);
  const ports = Object.values(services).map(([listen]) => listen);
  return startProcess(process.execPath, [relay, ca.rootFile, client.chainFile, client.keyFile, SUITE, ...pairs], { name: 'node:tls relay', ready: { port: ports.at(-1) as number } });
}

/** stunnel4 in client mode, one service per [listen, upstream] pair. */
async function startStunnel(dir: string, ca: TestCa, client: IssuedCert, services: Record<string, [number, number]>): Promise<Proc> {
  const conf = path.join(dir, 'stunnel.conf');
  const global = ['foreground = yes', 'pid =', 'debug = 3', 'syslog = no'];
  const each = Object.entries(services).flatMap(([name, [listen, upstream]]) => [
    `[${name}]`,
    'client = yes',
    `accept = 127.0.0.1:${listen}`,
    `connect = 127.0.0.1:${upstream}`,
    `cert = ${client.chainFile}`,
    `key = ${client.keyFile}`,
    `CAfile = ${ca.rootFile}`,
    'verifyChain = yes',
    'checkHost = localhost',
    'sslVersionMin = TLSv1.3',
    `ciphersuites = ${SUITE}`,
  ]);
  await writeFile(conf, [...global, ...each, ''].join('\n'));
  const ports = Object.values(services).map(([listen]) => listen);
  return startProcess('stunnel4', [conf], { name: 'stunnel4', ready: { port: ports.at(-1) as number } });
}
