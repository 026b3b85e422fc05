import { readFileSync } from 'node:fs';
import { memorySigner } from '../../src/core/keystores/memory-signer';
import { SignatureSchemes, type Signer, type SignatureScheme } from '../../src/core/keystores/types';
import { readCertificates } from '../../src/core/pki/pem';
import { readPrivateKey } from '../../src/core/pki/private-key';
import { groupName, type GroupName } from '../../src/core/tls/key-share';
import type { ConnectOptions, TlsVersionName } from '../../src/core/tls';
import { Unimplemented, type ConnFlags } from './flags';

/** Wire versions BoGo passes in -min-version / -max-version / -expect-version. */
const VERSIONS: Record<number, { flag: string; name?: TlsVersionName }> = {
  0x0301: { flag: '-no-tls1' },
  0x0302: { flag: '-no-tls11' },
  0x0303: { flag: '-no-tls12', name: 'TLSv1.2' },
  0x0304: { flag: '-no-tls13', name: 'TLSv1.3' },
};

/** The wire id of a TLS version name. */
export function versionId(name: TlsVersionName): number {
  return name === 'TLSv1.3' ? 0x0304 : 0x0303;
}

/** minVersion/maxVersion from BoringSSL's version flags; only-1.0/1.1 configurations are unimplemented. */
function versionRange(f: ConnFlags): Pick<ConnectOptions, 'minVersion' | 'maxVersion'> {
  const min = f.int('-min-version') || 0x0301;
  const max = f.int('-max-version') || 0x0304;
  const enabled = Object.entries(VERSIONS)
    .filter(([id, v]) => Number(id) >= min && Number(id) <= max && !f.has(v.flag))
    .map(([, v]) => v.name)
    .filter((n): n is TlsVersionName => n !== undefined);
  const [lowest, highest] = [enabled[0], enabled.at(-1)];
  if (!lowest || !highest) throw new Unimplemented('only TLS 1.0/1.1 enabled: Keyport speaks TLS 1.2 and 1.3');
  return { minVersion: lowest, maxVersion: highest };
}

/** ALPN protocols from BoringSSL's wire form (length-prefixed strings). */
export function parseAlpnList(wire: string): string[] {
  const bytes = Buffer.from(wire, 'latin1');
  const out: string[] = [];
  for (let i = 0; i < bytes.length; ) {
    const len = bytes[i] as number;
    out.push(bytes.subarray(i + 1, i + 1 + len).toString('latin1'));
    i += 1 + len;
  }
  return out;
}

function groups(f: ConnFlags): GroupName[] | undefined {
  const expected = f.int('-expect-curve-id');
  if (expected && !groupName(expected)) throw new Unimplemented(`group ${expected} is not supported (X25519, P-256, P-384 only)`);
  const ids = f.ints('-curves');
  if (ids.length === 0) return undefined;
  return ids.map((id) => {
    const name = groupName(id);
    if (!name) throw new Unimplemented(`group ${id} is not supported (X25519, P-256, P-384 only)`);
    return name;
  });
}

const SCHEME_BY_ID = new Map<number, SignatureScheme>(
  (Object.entries(SignatureSchemes) as [SignatureScheme, number][]).map(([name, id]) => [id, name]),
);

/** The signer restricted to -signing-prefs, in that order (BoringSSL's SSL_set_signing_algorithm_prefs). */
function restrictSigner(signer: Signer, prefs: number[]): Signer {
  if (prefs.length === 0) return signer;
  const schemes = prefs.map((id) => {
    const scheme = SCHEME_BY_ID.get(id);
    if (!scheme) throw new Unimplemented(`signature scheme 0x${id.toString(16)} is not supported`);
    return scheme;
  });
  return {
    algorithm: signer.algorithm,
    publicKeySpki: signer.publicKeySpki,
    schemes: schemes.filter((s) => signer.schemes.includes(s)),
    sign: (scheme, data) => signer.sign(scheme, data),
  };
}

function identity(f: ConnFlags): Pick<ConnectOptions, 'signer' | 'chain'> {
  const keyFile = f.str('-key-file');
  const certFile = f.str('-cert-file');
  if (!keyFile && !certFile) return {};
  if (!keyFile || !certFile) throw new Unimplemented('a client certificate without its key (or a key without certificate)');
  const key = readPrivateKey(readFileSync(keyFile), keyFile);
  const chain = readCertificates(readFileSync(certFile), certFile);
  return { signer: restrictSigner(memorySigner(key), f.ints('-signing-prefs')), chain };
}

/**
 * ConnectOptions for one shim connection. BoGo's certificates chain to nothing and BoringSSL's
 * test client does not verify them, so the shim turns verification off (the server's handshake
 * signature is still checked); Keyport's chain validation has its own tests.
 */
export function connectOptions(f: ConnFlags, host: string, port: number): ConnectOptions {
  const alpn = f.str('-advertise-alpn');
  const servername = f.str('-host-name');
  const g = groups(f);
  return {
    host,
    port,
    ...(servername ? { servername } : {}),
    ...(alpn ? { alpn: parseAlpnList(alpn) } : {}),
    ...(g ? { groups: g } : {}),
    ...versionRange(f),
    ...identity(f),
    rejectUnauthorized: false,
    timeoutMs: 15_000,
  };
}

/** The DER chain in -expect-peer-cert-file, leaf first. */
export function expectedPeerChain(f: ConnFlags): Buffer[] | undefined {
  const file = f.str('-expect-peer-cert-file');
  return file ? readCertificates(readFileSync(file), file) : undefined;
}

/** The version name for an -expect-version value. */
export function versionName(id: number): TlsVersionName | undefined {
  return VERSIONS[id]?.name;
}
