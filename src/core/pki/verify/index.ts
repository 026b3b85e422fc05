/**
 * Server (or client) certificate path validation, as strict as OpenSSL's X509_verify_cert with
 * node:tls's defaults plus node's checkServerIdentity; see test/verify for the differential corpus.
 *
 * Deliberate differences from OpenSSL 3.0 / node:tls, all stricter unless noted:
 * - all candidate paths are tried with backtracking (RFC 4158), so a valid path is found even when
 *   OpenSSL's first choice fails (more accepting, but every accepted path passes every check);
 * - a leaf's keyUsage, when present, must include digitalSignature (OpenSSL also takes
 *   keyEncipherment or keyAgreement alone);
 * - RSA keys under 2048 bits and MD5/SHA-1 signatures are refused;
 * - critical Netscape cert type, RFC 3779 and proxy-certificate extensions are refused (OpenSSL
 *   evaluates them); the SGC purposes and Netscape CA flags are not honoured;
 * - malformed or repeated extensions make a certificate bad (OpenSSL sometimes ignores them);
 * - hostnames: where node and OpenSSL differ (IDNA labels, 'f*o' wildcards), both refusals apply;
 *   a trailing dot is ignored as node does (OpenSSL 3.0's X509_check_host refuses it: more accepting).
 *
 * Cost: parsed certificates, trust stores and verified signatures are cached per process (bounded,
 * keyed by SHA-256 of the DER), so a repeat handshake with a known server costs little; dates,
 * extensions, name constraints and the hostname are still checked on every call.
 */
import type { KeyObject } from 'node:crypto';
import { KeyportError } from '../../../shared/errors';
import { readCertificates } from '../pem';
import { checkHostname } from './hostname';
import { parseCertCached } from './cert-cache';
import { MalformedCertificate, type ParsedCert } from './parsed-cert';
import type { Purpose } from './purpose';
import { trustStoreFor } from './trust-store-cache';
import { findValidPath } from './validate-path';

export type { Purpose } from './purpose';
export { matchesHostname, dnsMatches } from './hostname';

/** What verifyServerChain is asked to check. */
export interface VerifyServerChainOptions {
  /** DER certificates as the peer sent them, leaf first; the rest may be in any order. */
  chain: Buffer[];
  /** The name the client asked for (DNS name or IP literal); omitted: no hostname check. */
  servername?: string;
  /** DER certificates trusted as anchors (from --ca files). */
  trustAnchors: Buffer[];
  /** Also trust the OS store; default: only when `trustAnchors` is empty (node's `ca` replaces it too). */
  useSystemStore?: boolean;
  /** The time to validate at; default now. */
  now?: Date;
  /** 'serverAuth' (default) when checking a server, 'clientAuth' when checking a client. */
  purpose?: Purpose;
}

/** A chain that passed every check. */
export interface VerifiedChain {
  /** DER, leaf first, trust anchor last. */
  path: Buffer[];
  /** The anchor's subject, most specific attribute first ("CN=Root CA, O=Example"). */
  anchorSubject: string;
  /** The leaf's public key, already parsed (saves the TLS client parsing the leaf again). */
  leafPublicKey: KeyObject;
}

/**
 * Validates the peer's chain and, when `servername` is given, the name. Throws KeyportError:
 * KEYPORT_TLS_UNKNOWN_CA (no path to a trust anchor), KEYPORT_TLS_CERT_EXPIRED (expired or not yet
 * valid), KEYPORT_TLS_BAD_CERTIFICATE (signature, usage, constraints, malformed),
 * KEYPORT_TLS_HOSTNAME_MISMATCH, or KEYPORT_CERT_INVALID for an unreadable trust anchor.
 */
export async function verifyServerChain(o: VerifyServerChainOptions): Promise<VerifiedChain> {
  const sent = parseSentChain(o.chain);
  const [leaf, ...rest] = sent;
  if (!leaf) {
    throw new KeyportError(
      'KEYPORT_TLS_BAD_CERTIFICATE',
      'The server sent no certificate; it must be configured with one.',
    );
  }
  const store = await trustStoreFor(o.trustAnchors, o.useSystemStore ?? o.trustAnchors.length === 0);
  const untrusted = rest.filter(
    (c, i) => !c.der.equals(leaf.der) && rest.findIndex((d) => d.der.equals(c.der)) === i,
  );
  const path = findValidPath(leaf, untrusted, store, o.purpose ?? 'serverAuth', o.now ?? new Date());
  if (o.servername !== undefined) checkHostname(leaf, o.servername);
  // Copies: the cached certificates' DER must stay as parsed whatever the caller does with the result.
  return {
    path: path.map((c) => Buffer.from(c.der)),
    anchorSubject: (path[path.length - 1] as ParsedCert).subject.text,
    leafPublicKey: leaf.publicKey,
  };
}

/** Certificates from a CA file: a PEM bundle or one DER certificate (KEYPORT_PEM_INVALID otherwise). */
export function parsePemOrDer(buf: Buffer, what = 'the CA file'): Buffer[] {
  return readCertificates(buf, what);
}

function parseSentChain(chain: readonly Buffer[]): ParsedCert[] {
  return chain.map((der, i) => {
    try {
      return parseCertCached(der);
    } catch (e) {
      const why = e instanceof MalformedCertificate ? e.message : 'it cannot be read';
      const which = i === 0 ? "The server's certificate" : `Certificate #${i + 1} the server sent`;
      throw new KeyportError('KEYPORT_TLS_BAD_CERTIFICATE', `${which} is unusable: ${why}.`, { cause: e });
    }
  });
}
