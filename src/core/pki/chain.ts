/**
 * Orders certificates into a chain, leaf first, by issuer/subject names and authority/subject key
 * identifiers, whatever order a file (PEM bundle, PKCS#12, a CA's answer) listed them in.
 */
import * as crypto from 'node:crypto';
import { AsnParser, AsnSerializer } from '@peculiar/asn1-schema';
import {
  AuthorityKeyIdentifier,
  Certificate,
  id_ce_authorityKeyIdentifier,
  id_ce_subjectKeyIdentifier,
  SubjectKeyIdentifier,
} from '@peculiar/asn1-x509';
import { KeyportError } from '../../shared/errors';
import { bytes } from './pkcs12/asn1';

/** What chain building needs to know about one certificate. */
export interface CertFacts {
  der: Buffer;
  subject: Buffer;
  issuer: Buffer;
  /** SubjectPublicKeyInfo DER, normalized through node:crypto where it can read the key. */
  spki: Buffer;
  subjectKeyId?: Buffer;
  authorityKeyId?: Buffer;
}

/** Reads the chain-building facts of a certificate (DER already validated by the parser). */
export function certFacts(der: Buffer): CertFacts {
  const tbs = AsnParser.parse(der, Certificate).tbsCertificate;
  const facts: CertFacts = {
    der,
    subject: Buffer.from(AsnSerializer.serialize(tbs.subject)),
    issuer: Buffer.from(AsnSerializer.serialize(tbs.issuer)),
    spki: normalizeSpki(Buffer.from(AsnSerializer.serialize(tbs.subjectPublicKeyInfo))),
  };
  for (const ext of tbs.extensions ?? []) {
    try {
      if (ext.extnID === id_ce_subjectKeyIdentifier) {
        facts.subjectKeyId = bytes(AsnParser.parse(ext.extnValue, SubjectKeyIdentifier).buffer);
      } else if (ext.extnID === id_ce_authorityKeyIdentifier) {
        const id = AsnParser.parse(ext.extnValue, AuthorityKeyIdentifier).keyIdentifier;
        if (id) facts.authorityKeyId = bytes(id.buffer);
      }
    } catch {
      // A malformed key identifier only loses a hint; names still order the chain.
    }
  }
  return facts;
}

/** The SPKI re-encoded by node:crypto (so EC point and parameter encodings compare equal). */
export function normalizeSpki(spki: Buffer): Buffer {
  try {
    return crypto.createPublicKey({ key: spki, format: 'der', type: 'spki' }).export({ format: 'der', type: 'spki' });
  } catch {
    return spki;
  }
}

/** `leaf`, then its issuer, its issuer's issuer...; the certificates not used come back as `extra`. */
export function orderChain(leaf: CertFacts, others: CertFacts[]): { chain: Buffer[]; extra: Buffer[] } {
  const pool = others.filter((c) => !c.der.equals(leaf.der));
  const chain = [leaf];
  for (let current = leaf; !isSelfIssued(current); ) {
    const issuer = findIssuer(current, pool);
    if (!issuer) break;
    chain.push(issuer);
    pool.splice(pool.indexOf(issuer), 1);
    current = issuer;
  }
  return { chain: chain.map((c) => c.der), extra: pool.map((c) => c.der) };
}

/** Certificates with the same DER listed once, first occurrence kept. */
export function uniqueCerts(certs: CertFacts[]): CertFacts[] {
  return certs.filter((c, i) => certs.findIndex((o) => o.der.equals(c.der)) === i);
}

function isSelfIssued(c: CertFacts): boolean {
  return c.subject.equals(c.issuer) && keyIdsAllow(c, c);
}

/** Names must match; key identifiers, when both sides have them, must too (they pick among re-keyed CAs). */
function findIssuer(child: CertFacts, pool: CertFacts[]): CertFacts | undefined {
  const named = pool.filter((c) => c.subject.equals(child.issuer) && keyIdsAllow(child, c));
  return named.find((c) => child.authorityKeyId && c.subjectKeyId) ?? named[0];
}

function keyIdsAllow(child: CertFacts, issuer: CertFacts): boolean {
  return !child.authorityKeyId || !issuer.subjectKeyId || child.authorityKeyId.equals(issuer.subjectKeyId);
}

/**
 * The chain for the key with `spki`: its certificate first, then issuers; undefined when no
 * certificate in `ders` is for that key. Duplicates are dropped; unused certificates come back as `extra`.
 */
export function chainForKey(ders: Buffer[], spki: Buffer): { chain: Buffer[]; extra: Buffer[] } | undefined {
  const certs = uniqueCerts(ders.map(readFacts));
  const wanted = normalizeSpki(spki);
  const leaf = certs.find((c) => c.spki.equals(wanted));
  return leaf && orderChain(leaf, certs);
}

/** Drops a trailing self-signed root: servers want the chain without the trust anchor. */
export function withoutRoot(chain: Buffer[]): Buffer[] {
  const last = chain.length > 1 ? certFacts(chain[chain.length - 1]!) : undefined;
  return last && isSelfIssued(last) ? chain.slice(0, -1) : chain;
}

function readFacts(der: Buffer, index: number): CertFacts {
  try {
    return certFacts(der);
  } catch (e) {
    throw new KeyportError('KEYPORT_CERT_INVALID', `Cannot read certificate ${index + 1} of the chain: it is not valid X.509.`, {
      cause: e,
    });
  }
}
