/**
 * Writes PKCS#12 files. Modern (the default) is what OpenSSL 3 writes: PBES2 with
 * PBKDF2-HMAC-SHA256 and AES-256-CBC for key and certificates, HMAC-SHA256 MAC. Legacy is what
 * `openssl pkcs12 -legacy` writes, for old Windows, macOS and Java: 3DES key, RC2-40
 * certificates, HMAC-SHA1 MAC.
 */
import * as crypto from 'node:crypto';
import { ContentInfo, EncryptedContent, EncryptedContentInfo } from '@peculiar/asn1-cms';
import {
  AuthenticatedSafe,
  CertBag,
  PFX,
  PKCS12Attribute,
  PKCS8ShroudedKeyBag,
  SafeBag,
  SafeContents,
} from '@peculiar/asn1-pfx';
import { OctetString } from '@peculiar/asn1-schema';
import type { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import * as asn1js from 'asn1js';
import { KeyportError } from '../../../shared/errors';
import { EncryptedData, encodeOctetString, serialize, toArrayBuffer } from './asn1';
import { certFacts } from '../chain';
import { MAX_ITERATIONS } from './errors';
import { legacyPbeEncrypt } from './legacy-pbe';
import { computeMac } from './mac';
import { OID } from './oids';
import { bmpPassword } from './password';
import { pbes2Encrypt } from './pbes2';
import type { BuildPkcs12Options } from './types';

/** OpenSSL's default iteration count for PBKDF2, the PKCS#12 KDF and the MAC. */
const DEFAULT_ITERATIONS = 2048;

type Encrypt = (data: Buffer) => Promise<{ algorithm: AlgorithmIdentifier; encrypted: Buffer }>;

/** A PKCS#12 file holding the key and its chain (leaf first), protected by `password`. */
export async function buildPkcs12(o: BuildPkcs12Options): Promise<Buffer> {
  const iterations = o.iterations ?? DEFAULT_ITERATIONS;
  checkInput(o, iterations);
  const bmp = bmpPassword(o.password);
  const utf8 = Buffer.from(o.password, 'utf8');
  const encryptKey: Encrypt = o.legacy
    ? (d) => legacyPbeEncrypt(OID.pbeSha1TripleDes, d, bmp, iterations)
    : (d) => pbes2Encrypt(d, utf8, iterations);
  const encryptCerts: Encrypt = o.legacy
    ? (d) => legacyPbeEncrypt(OID.pbeSha1Rc2_40, d, bmp, iterations)
    : (d) => pbes2Encrypt(d, utf8, iterations);

  // localKeyId pairs key and leaf; like OpenSSL, it is the SHA-1 of the leaf certificate.
  const localKeyId = crypto.createHash('sha1').update(o.chain[0]!).digest();
  const attributes = leafAttributes(localKeyId, o.friendlyName);
  const certBags = o.chain.map((der, i) => certSafeBag(der, i === 0 ? attributes : undefined));
  const keyBag = await shroudedKeySafeBag(o.keyPkcs8, encryptKey, attributes);

  const authSafe = serialize(
    new AuthenticatedSafe([
      await encryptedContentInfo(serialize(new SafeContents(certBags)), encryptCerts),
      dataContentInfo(serialize(new SafeContents([keyBag]))),
    ]),
  );
  const pfx = new PFX({
    version: 3,
    authSafe: dataContentInfo(authSafe),
    macData: await computeMac(authSafe, bmp, o.legacy ? 'sha1' : 'sha256', iterations),
  });
  return serialize(pfx);
}

function checkInput(o: BuildPkcs12Options, iterations: number): void {
  if (!Number.isSafeInteger(iterations) || iterations < 1 || iterations > MAX_ITERATIONS) {
    throw new KeyportError('KEYPORT_INVALID_ARGUMENT', `Cannot export PKCS#12: iterations must be 1 to ${MAX_ITERATIONS}`);
  }
  const leaf = o.chain[0];
  if (!leaf) throw new KeyportError('KEYPORT_INVALID_ARGUMENT', 'Cannot export PKCS#12: no certificate was given');
  let keySpki: Buffer;
  try {
    const key = crypto.createPrivateKey({ key: o.keyPkcs8, format: 'der', type: 'pkcs8' });
    keySpki = crypto.createPublicKey(key).export({ format: 'der', type: 'spki' });
  } catch (e) {
    throw new KeyportError('KEYPORT_KEY_INVALID', 'Cannot export PKCS#12: the private key is damaged', { cause: e });
  }
  let leafSpki: Buffer;
  try {
    o.chain.forEach((der) => certFacts(der));
    leafSpki = certFacts(leaf).spki;
  } catch (e) {
    throw new KeyportError('KEYPORT_CERT_INVALID', 'Cannot export PKCS#12: a certificate of the chain is damaged', { cause: e });
  }
  if (!leafSpki.equals(keySpki)) {
    throw new KeyportError('KEYPORT_KEY_MISMATCH', 'Cannot export PKCS#12: the first certificate is not for this key');
  }
}

function leafAttributes(localKeyId: Buffer, friendlyName: string | undefined): PKCS12Attribute[] {
  const list = [attribute(OID.localKeyId, encodeOctetString(localKeyId))];
  if (friendlyName !== undefined) {
    list.unshift(attribute(OID.friendlyName, new asn1js.BmpString({ value: friendlyName }).toBER()));
  }
  return list;
}

function attribute(oid: string, value: ArrayBuffer): PKCS12Attribute {
  // PKCS12Attribute's constructor drops its argument, so fields are set one by one.
  const a = new PKCS12Attribute();
  a.attrId = oid;
  a.attrValues = [value];
  return a;
}

function certSafeBag(der: Buffer, attributes: PKCS12Attribute[] | undefined): SafeBag {
  const bag = new CertBag({ certId: OID.x509Certificate, certValue: encodeOctetString(der) });
  return new SafeBag({ bagId: OID.certBag, bagValue: toArrayBuffer(serialize(bag)), bagAttributes: attributes });
}

async function shroudedKeySafeBag(pkcs8: Buffer, encrypt: Encrypt, attributes: PKCS12Attribute[]): Promise<SafeBag> {
  const { algorithm, encrypted } = await encrypt(pkcs8);
  const info = new PKCS8ShroudedKeyBag({ encryptionAlgorithm: algorithm });
  info.encryptedData = new OctetString(encrypted);
  return new SafeBag({ bagId: OID.pkcs8ShroudedKeyBag, bagValue: toArrayBuffer(serialize(info)), bagAttributes: attributes });
}

function dataContentInfo(content: Buffer): ContentInfo {
  return new ContentInfo({ contentType: OID.data, content: encodeOctetString(content) });
}

async function encryptedContentInfo(plain: Buffer, encrypt: Encrypt): Promise<ContentInfo> {
  const { algorithm, encrypted } = await encrypt(plain);
  const data = new EncryptedData();
  data.encryptedContentInfo = new EncryptedContentInfo({
    contentType: OID.data,
    contentEncryptionAlgorithm: algorithm,
    encryptedContent: new EncryptedContent({ value: new OctetString(encrypted) }),
  });
  return new ContentInfo({ contentType: OID.encryptedData, content: toArrayBuffer(serialize(data)) });
}
