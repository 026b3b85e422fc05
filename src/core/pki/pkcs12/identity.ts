/** Picks the identity in a PKCS#12 file: the private key, the certificate for it, and its chain. */
import * as crypto from 'node:crypto';
import { KeyportError } from '../../../shared/errors';
import { certFacts, orderChain, uniqueCerts, type CertFacts } from '../chain';
import type { Pkcs12Contents, Pkcs12Identity, Pkcs12Key } from './types';

/**
 * The first key that has a certificate (paired by localKeyId, else by public key), its chain
 * leaf first, and the other certificates. Throws KEYPORT_PKCS12_NO_KEY when the file has no key,
 * KEYPORT_KEY_MISMATCH when no certificate is for its key.
 */
export function pickIdentity(c: Pkcs12Contents): Pkcs12Identity {
  if (c.keys.length === 0) {
    throw new KeyportError(
      'KEYPORT_PKCS12_NO_KEY',
      'Cannot import PKCS#12: the file holds no private key; ask for a file exported together with its key',
    );
  }
  const certs = uniqueCerts(c.certs.map((cert) => readCert(cert.der)));
  for (const key of c.keys) {
    const { object, spki } = readKey(key.pkcs8);
    const leaf = findLeaf(key, spki, c, certs);
    if (!leaf) continue;
    const { chain, extra } = orderChain(leaf, certs);
    const friendlyName = key.friendlyName ?? c.certs.find((x) => x.der.equals(leaf.der))?.friendlyName;
    return { keyPkcs8: key.pkcs8, chain, extraCerts: extra, friendlyName, keyAlgorithm: keyAlgorithm(object) };
  }
  throw new KeyportError(
    'KEYPORT_KEY_MISMATCH',
    'Cannot import PKCS#12: no certificate in it belongs to its private key; ask for a file that includes the certificate',
  );
}

/** The certificate for `key`: its localKeyId partner when the public keys agree, else any with the same key. */
function findLeaf(key: Pkcs12Key, spki: Buffer, c: Pkcs12Contents, certs: CertFacts[]): CertFacts | undefined {
  const sameKey = certs.filter((cert) => cert.spki.equals(spki));
  const paired = key.localKeyId
    ? c.certs.find((cert) => cert.localKeyId?.equals(key.localKeyId!) && sameKey.some((s) => s.der.equals(cert.der)))
    : undefined;
  return (paired && sameKey.find((s) => s.der.equals(paired.der))) ?? sameKey[0];
}

function readCert(der: Buffer): CertFacts {
  try {
    return certFacts(der);
  } catch (e) {
    throw new KeyportError('KEYPORT_CERT_INVALID', 'Cannot import PKCS#12: a certificate in it is damaged', { cause: e });
  }
}

function readKey(pkcs8: Buffer): { object: crypto.KeyObject; spki: Buffer } {
  try {
    const object = crypto.createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
    const spki = crypto.createPublicKey(object).export({ format: 'der', type: 'spki' });
    return { object, spki };
  } catch (e) {
    throw new KeyportError(
      'KEYPORT_KEY_INVALID',
      'Cannot import PKCS#12: its private key is damaged or of a kind Keyport cannot read',
      { cause: e },
    );
  }
}

const CURVES: Readonly<Record<string, string>> = {
  prime256v1: 'EC-P256',
  secp384r1: 'EC-P384',
  secp521r1: 'EC-P521',
};

/** "RSA-2048", "EC-P256", "Ed25519"...; KEYPORT_KEY_UNSUPPORTED for kinds Keyport cannot sign with. */
export function keyAlgorithm(key: crypto.KeyObject): string {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return `RSA-${details.modulusLength}`;
    case 'rsa-pss':
      return `RSA-PSS-${details.modulusLength}`;
    case 'ec': {
      const name = CURVES[details.namedCurve ?? ''];
      if (name) return name;
      throw unsupportedKey(`an EC key on curve ${details.namedCurve ?? 'unknown'}`);
    }
    case 'ed25519':
      return 'Ed25519';
    case 'ed448':
      return 'Ed448';
    default:
      throw unsupportedKey(`a ${key.asymmetricKeyType ?? 'unknown'} key`);
  }
}

function unsupportedKey(what: string): KeyportError {
  return new KeyportError(
    'KEYPORT_KEY_UNSUPPORTED',
    `Cannot import PKCS#12: its private key is ${what}, which Keyport does not support; use RSA, EC P-256/P-384/P-521 or Ed25519`,
  );
}
