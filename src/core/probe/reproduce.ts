import type { Reproduce } from '../../shared/probe-report';
import type { ProbeIdentity } from './identity';

/**
 * The loopback address a reproduce line suggests for the Keyport proxy route curl goes through:
 * 18443, or 18444 for an upstream on port 18443 (a loopback one would already hold it).
 */
function proxyListen(upstreamPort: number): string {
  return `127.0.0.1:${upstreamPort === 18443 ? 18444 : 18443}`;
}

/** What the reproduce lines are made from. */
export interface ReproduceInput {
  host: string;
  port: number;
  path: string;
  servername?: string;
  alpn?: string[];
  caFiles: string[];
  method: string;
  headers: Record<string, string>;
  /** The identity offered (none: no client certificate). */
  identity?: Pick<ProbeIdentity, 'id' | 'store'>;
}

/**
 * The same connection with openssl s_client and curl. Keyport's keys live in the keychain or on a
 * token, which curl cannot use, so with an identity the curl line goes through a Keyport proxy route.
 */
export function reproduceLines(r: ReproduceInput): Reproduce {
  const hostPort = `${r.host.includes(':') ? `[${r.host}]` : r.host}:${r.port}`;
  const id = r.identity;
  const openssl = ['openssl', 's_client', '-connect', hostPort, ...(r.servername ? ['-servername', r.servername] : []), ...(r.alpn ? ['-alpn', r.alpn.join(',')] : []), ...caArgs('-CAfile', r.caFiles), '-showcerts', '-state'];
  let note: string | undefined;
  let prefix = '';
  if (id?.store.kind === 'pkcs11') {
    prefix = `keyport export ${sh(id.id)} --chain > ${sh(`${id.id}-chain.pem`)} && `;
    openssl.push('-cert', `${id.id}-chain.pem`, '-cert_chain', `${id.id}-chain.pem`, '-engine', 'pkcs11', '-keyform', 'engine', '-key', `pkcs11:token=${encodeURIComponent(id.store.token)}`);
  } else if (id) {
    note = 'openssl s_client cannot use a key in the OS keychain: its line shows the server side (chain, CertificateRequest) without a client certificate.';
  }
  const headers = Object.entries(r.headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]);
  const method = r.method === 'GET' ? [] : ['-X', r.method];
  if (!id) {
    const connectTo = r.servername ? ['--connect-to', `${r.servername}:${r.port}:${r.host}:${r.port}`] : [];
    const urlHost = r.servername ? `${r.servername}:${r.port}` : hostPort;
    const curl = ['curl', '-v', ...caArgs('--cacert', r.caFiles), ...connectTo, ...method, ...headers, `https://${urlHost}${r.path}`];
    return { openssl: line(openssl), curl: line(curl), ...(note ? { note } : {}) };
  }
  const listen = proxyListen(r.port);
  const route = [`${listen}=${hostPort}`, `identity=${id.id}`, ...r.caFiles.slice(0, 1).map((f) => `ca=${f}`), ...(r.servername ? [`servername=${r.servername}`] : [])];
  const proxy = ['keyport', 'proxy', '--route', route.join(',')];
  const curl = ['curl', '-v', '-H', `Host: ${hostPort}`, ...method, ...headers, `http://${listen}${r.path}`];
  return { openssl: prefix + line(openssl), curl: line(curl), proxy: line(proxy), ...(note ? { note } : {}) };
}

function caArgs(flag: string, files: string[]): string[] {
  return files.slice(0, 1).flatMap((f) => [flag, f]);
}

function line(args: string[]): string {
  return args.map(sh).join(' ');
}

/** One shell word: as is when safe, else single-quoted. */
function sh(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./[\]-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
