/**
 * Pebble (Let's Encrypt's ACME test server, Debian package `pebble`) on loopback, with
 * pebble-challtestsrv as its DNS server: every name resolves to 127.0.0.1 (no AAAA), and dns-01
 * TXT records are set through its management API. Pebble's HTTPS identity is a certificate from the
 * test CA (`caFile` is its root); pebble validates http-01 on `httpPort`, where Keyport must serve.
 */
import { writeFile } from 'node:fs/promises';
import https from 'node:https';
import path from 'node:path';
import { createTestCa, type TestCa } from './ca.js';
import { needs } from './tools.js';
import { freePort, startProcess, tempDir, type Proc } from './proc.js';

/** For requireBackend('pebble', PEBBLE_PROBE). */
export const PEBBLE_PROBE = () => needs(['pebble', 'pebble-challtestsrv']);

/** A running pebble with its DNS. */
export interface Pebble {
  /** https://127.0.0.1:P/dir */
  directory: string;
  /** The test CA root that issued pebble's HTTPS certificate (give it to `--ca`). */
  caFile: string;
  /** Where pebble validates http-01 (on 127.0.0.1). */
  httpPort: number;
  /** pebble's management API base URL (https; roots, intermediates, certificate status). */
  management: string;
  /** The test CA behind pebble's HTTPS: also issues certificates for servers a test runs. */
  tlsCa: TestCa;
  /** The root pebble issues ACME certificates under (made anew at each start), PEM. */
  issuerRoot(): Promise<string>;
  /** What pebble has logged so far (one line per request it served). */
  log(): string;
  /** Sets a TXT record in the DNS pebble asks (dns-01). */
  setTxt(name: string, value: string): Promise<void>;
  /** Restarts pebble on the same ports: it forgets every account, order and key (its state is in memory). */
  restart(): Promise<void>;
  /** Stops pebble and its DNS and removes its files. */
  stop(): Promise<void>;
}

/** Options: EAB keys (kid → base64url MAC key), whether EAB is required, the share of good nonces refused. */
export interface PebbleOptions {
  eabKeys?: Record<string, string>;
  eabRequired?: boolean;
  /** Percent of valid nonces pebble answers badNonce to (default 0). */
  nonceRejectPercent?: number;
  /** Lifetime of issued certificates in seconds (pebble's default: 5 years). */
  validitySeconds?: number;
}

/** Starts challtestsrv (DNS) and pebble on free loopback ports. */
export async function startPebble(o: PebbleOptions = {}): Promise<Pebble> {
  const dir = await tempDir('pebble');
  const procs: Proc[] = [];
  let ca: TestCa | undefined;
  const stop = async () => {
    await Promise.all(procs.map((p) => p.stop()));
    await ca?.stop();
    await dir.remove();
  };
  try {
    ca = await createTestCa({ ec: true });
    const tls = await ca.issueServer({ sans: ['IP:127.0.0.1', 'DNS:localhost'], ec: true });
    const [listen, mgmt, httpPort, tlsPort, dnsPort, dnsMgmt] = (await distinctPorts(6)) as [number, number, number, number, number, number];
    procs.push(
      await startProcess(
        'pebble-challtestsrv',
        ['-dns01', `127.0.0.1:${dnsPort}`, '-http01', '', '-https01', '', '-tlsalpn01', '', '-management', `127.0.0.1:${dnsMgmt}`, '-defaultIPv4', '127.0.0.1', '-defaultIPv6', ''],
        { name: 'pebble-challtestsrv', ready: { port: dnsMgmt } },
      ),
    );
    const config = path.join(dir.path, 'pebble-config.json');
    await writeFile(
      config,
      JSON.stringify({
        pebble: {
          listenAddress: `127.0.0.1:${listen}`,
          managementListenAddress: `127.0.0.1:${mgmt}`,
          certificate: tls.chainFile, // leaf and intermediate, as a real server sends them
          privateKey: tls.keyFile,
          httpPort,
          tlsPort,
          ocspResponderURL: '',
          externalAccountBindingRequired: o.eabRequired ?? false,
          ...(o.eabKeys ? { externalAccountMACKeys: o.eabKeys } : {}),
          ...(o.validitySeconds ? { certificateValidityPeriod: o.validitySeconds } : {}),
        },
      }),
    );
    const startPebbleProc = () =>
      startProcess('pebble', ['-config', config, '-dnsserver', `127.0.0.1:${dnsPort}`], {
        name: 'pebble',
        env: { PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: String(o.nonceRejectPercent ?? 0), PEBBLE_AUTHZREUSE: '0' },
        ready: { port: listen },
      });
    procs.push(await startPebbleProc());
    return {
      directory: `https://127.0.0.1:${listen}/dir`,
      caFile: ca.rootFile,
      httpPort,
      management: `https://127.0.0.1:${mgmt}`,
      tlsCa: ca,
      issuerRoot: () => httpsGet(`https://127.0.0.1:${mgmt}/roots/0`, ca!.rootPem),
      log: () => procs[1]!.output(),
      restart: async () => {
        await procs[1]!.stop();
        procs[1] = await startPebbleProc();
      },
      setTxt: (host, value) => setTxt(dnsMgmt, host, value),
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

async function setTxt(port: number, host: string, value: string): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}/set-txt`, {
    method: 'POST',
    body: JSON.stringify({ host: host.endsWith('.') ? host : `${host}.`, value }),
  });
  if (!res.ok) throw new Error(`challtestsrv set-txt failed: HTTP ${res.status} ${await res.text()}`);
}

function httpsGet(url: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d));
        res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`GET ${url}: HTTP ${res.statusCode}`))));
      })
      .on('error', reject);
  });
}

/** `count` free loopback ports, all different. */
async function distinctPorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}
