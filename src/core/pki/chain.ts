import { X509Certificate } from 'node:crypto';

/**
 * Orders certificates leaf first: starting from the certificate whose public key is `leafSpki` (or the
 * one that issued nothing else in the set), each next one is the issuer of the previous. Certificates
 * that are not on that path are returned apart. Duplicates are dropped.
 */
export function orderChain(ders: Buffer[], leafSpki?: Buffer): { chain: Buffer[]; extra: Buffer[] } {
  const certs = dedupe(ders).map((der) => ({ der, x: new X509Certificate(der) }));
  if (certs.length === 0) return { chain: [], extra: [] };
  const leaf =
    (leafSpki && certs.find((c) => c.x.publicKey.export({ format: 'der', type: 'spki' }).equals(leafSpki))) ||
    certs.find((c) => !certs.some((o) => o !== c && o.x.checkIssued(c.x))) ||
    certs[0]!;
  const chain = [leaf];
  for (let cur = leaf; ; ) {
    if (cur.x.checkIssued(cur.x)) break; // self-signed: the root ends the path
    const issuer = certs.find((c) => !chain.includes(c) && cur.x.checkIssued(c.x) && cur.x.verify(c.x.publicKey));
    if (!issuer) break;
    chain.push(issuer);
    cur = issuer;
  }
  return { chain: chain.map((c) => c.der), extra: certs.filter((c) => !chain.includes(c)).map((c) => c.der) };
}

function dedupe(ders: Buffer[]): Buffer[] {
  const seen = new Set<string>();
  return ders.filter((d) => {
    const k = d.toString('base64');
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Drops a trailing self-signed root: servers want the chain without the trust anchor. */
export function withoutRoot(chain: Buffer[]): Buffer[] {
  if (chain.length < 2) return chain;
  const last = new X509Certificate(chain[chain.length - 1]!);
  return last.checkIssued(last) ? chain.slice(0, -1) : chain;
}
