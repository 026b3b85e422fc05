/**
 * The two reference verifiers of the differential test: a real node:tls handshake against a
 * node:tls server on 127.0.0.1 (default verification, node's own checkServerIdentity), and
 * `openssl verify -purpose sslserver` with hostname/IP checking.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { isIP, type AddressInfo, type Socket } from 'node:net';
import * as tls from 'node:tls';
import type { Case, Verdict } from './corpus';
import type { TestPki } from './openssl-pki';

/** A reference verdict, or `other:<code>` when the reference failed in a way the map does not know. */
export interface ReferenceOutcome {
  verdict: Verdict | `other:${string}`;
  detail: string;
}

const NODE_CODES: Readonly<Record<string, Verdict>> = {
  CERT_HAS_EXPIRED: 'expired',
  CERT_NOT_YET_VALID: 'expired',
  UNABLE_TO_GET_ISSUER_CERT: 'unknown-ca',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unknown-ca',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unknown-ca',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'unknown-ca',
  SELF_SIGNED_CERT_IN_CHAIN: 'unknown-ca',
  ERR_TLS_CERT_ALTNAME_INVALID: 'hostname',
  CERT_SIGNATURE_FAILURE: 'bad',
  INVALID_CA: 'bad',
  INVALID_PURPOSE: 'bad',
  PATH_LENGTH_EXCEEDED: 'bad',
  UNHANDLED_CRITICAL_EXTENSION: 'bad',
  PERMITTED_VIOLATION: 'bad',
  EXCLUDED_VIOLATION: 'bad',
};

/** Verification errors node reports as UNSPECIFIED, by OpenSSL's message. */
const NODE_MESSAGES: Readonly<Record<string, Verdict>> = {
  'key usage does not include certificate signing': 'bad',
  'unhandled critical extension': 'bad',
  'permitted subtree violation': 'bad',
  'excluded subtree violation': 'bad',
};

/** X509_V_ERR_* numbers `openssl verify` prints, by category. */
const OPENSSL_CODES: Readonly<Record<number, Verdict>> = {
  2: 'unknown-ca', // unable to get issuer certificate
  18: 'unknown-ca', // self-signed leaf
  19: 'unknown-ca', // self-signed certificate in chain
  20: 'unknown-ca', // unable to get local issuer certificate
  21: 'unknown-ca', // unable to verify the first certificate
  9: 'expired', // not yet valid
  10: 'expired', // expired
  7: 'bad', // signature failure
  24: 'bad', // invalid CA
  25: 'bad', // path length exceeded
  26: 'bad', // unsupported purpose
  34: 'bad', // unhandled critical extension
  47: 'bad', // permitted subtree violation
  48: 'bad', // excluded subtree violation
  62: 'hostname', // hostname mismatch
  64: 'hostname', // IP address mismatch
  79: 'bad', // invalid CA certificate (OpenSSL 3.0.2x)
};

/** Connects with node:tls to a node:tls server serving the case's chain. */
export async function nodeVerdict(c: Case): Promise<ReferenceOutcome> {
  const leaf = c.chain[0];
  if (!leaf) throw new Error(`case ${c.name} has no leaf`);
  const server = tls.createServer({ key: readFileSync(leaf.key.file), cert: c.chain.map((x) => x.pem).join('') });
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => sockets.add(s));
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    return await new Promise<ReferenceOutcome>((resolve) => {
      const socket = tls.connect({
        host: '127.0.0.1',
        port,
        ca: c.anchors.map((a) => a.pem),
        servername: isIP(c.host) ? undefined : c.host.replace(/\.$/, ''),
        // node's own checkServerIdentity, fed the name under test rather than the TCP address.
        checkServerIdentity: (_host, cert) => tls.checkServerIdentity(c.host, cert),
      });
      socket.setTimeout(10_000, () => socket.destroy(new Error('timeout')));
      socket.once('secureConnect', () => {
        socket.destroy();
        resolve({ verdict: 'ok', detail: 'connected' });
      });
      socket.once('error', (e: NodeJS.ErrnoException) => {
        socket.destroy();
        const code = e.code ?? 'none';
        const verdict = NODE_CODES[code] ?? (code === 'UNSPECIFIED' ? NODE_MESSAGES[e.message] : undefined);
        resolve({ verdict: verdict ?? `other:${code}`, detail: `${code}: ${e.message}` });
      });
    });
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Runs `openssl verify` on the case's chain. */
export function opensslVerdict(c: Case, pki: TestPki): ReferenceOutcome {
  const [leaf, ...rest] = c.chain;
  if (!leaf) throw new Error(`case ${c.name} has no leaf`);
  const base = pki.fileBase(c.name);
  writeFileSync(`${base}.anchors.pem`, c.anchors.map((a) => a.pem).join(''));
  const args = ['verify', '-no-CApath', '-no-CAstore', '-CAfile', `${base}.anchors.pem`, '-purpose', 'sslserver'];
  if (rest.length > 0) {
    writeFileSync(`${base}.untrusted.pem`, rest.map((r) => r.pem).join(''));
    args.push('-untrusted', `${base}.untrusted.pem`);
  }
  args.push(...(isIP(c.host) ? ['-verify_ip', c.host] : ['-verify_hostname', c.host]), leaf.file);
  const run = spawnSync('openssl', args, { encoding: 'utf8' });
  const out = `${run.stdout}${run.stderr}`;
  if (run.status === 0 && /: OK\s*$/.test(run.stdout)) return { verdict: 'ok', detail: 'OK' };
  const m = /error (\d+) at (\d+) depth lookup: ([^\n]*)/.exec(out);
  if (!m) return { verdict: 'other:unparsed', detail: out.trim() };
  const code = Number(m[1]);
  return { verdict: OPENSSL_CODES[code] ?? `other:${code}`, detail: `error ${code} at depth ${m[2]}: ${m[3]}` };
}
