/**
 * SafeContents (RFC 7292 §4.2): key bags, shrouded key bags, certificate bags and nested
 * SafeContents, with their friendlyName and localKeyId attributes.
 */
import { CertBag, PKCS8ShroudedKeyBag, SafeContents, type PKCS12Attribute } from '@peculiar/asn1-pfx';
import { PrivateKeyInfo } from '@peculiar/asn1-pkcs8';
import { Certificate } from '@peculiar/asn1-x509';
import * as asn1js from 'asn1js';
import { bytes, octetStringValue, parseAs, type Encoded } from './asn1';
import { decryptWith, schemeFor } from './decrypt';
import { invalidPkcs12 } from './errors';
import { OID } from './oids';
import type { PasswordSet } from './password';
import type { Pkcs12Contents } from './types';

/** Nesting deeper than this is refused (real files nest at most once). */
const MAX_DEPTH = 4;

/** What reading bags needs and where it puts what it finds. */
export interface BagReader {
  passwords: PasswordSet;
  maxIterations: number;
  out: Pkcs12Contents;
}

/** Reads every bag of a SafeContents DER into `reader.out`. */
export async function readSafeContents(der: Encoded, reader: BagReader, depth = 0): Promise<void> {
  if (depth > MAX_DEPTH) throw invalidPkcs12('its bags are nested too deeply; the file is damaged');
  const bags = parseAs(der, SafeContents, 'its contents are');
  for (const bag of bags) {
    const attributes = readAttributes(bag.bagAttributes ?? []);
    switch (bag.bagId) {
      case OID.keyBag:
        parseAs(bag.bagValue, PrivateKeyInfo, 'its private key is');
        reader.out.keys.push({ pkcs8: bytes(bag.bagValue), ...attributes });
        note(reader, 'none (key stored unencrypted)');
        break;
      case OID.pkcs8ShroudedKeyBag:
        reader.out.keys.push({ pkcs8: await readShroudedKey(bag.bagValue, reader), ...attributes });
        break;
      case OID.certBag: {
        const der = readCertificate(bag.bagValue);
        if (der) reader.out.certs.push({ der, ...attributes });
        break;
      }
      case OID.safeContentsBag:
        await readSafeContents(bag.bagValue, reader, depth + 1);
        break;
      default:
        // CRL and secret bags carry nothing an identity needs.
        break;
    }
  }
}

/** Records a scheme description once, in order of first use. */
export function note(reader: BagReader, description: string): void {
  if (!reader.out.encryption.includes(description)) reader.out.encryption.push(description);
}

async function readShroudedKey(value: Encoded, reader: BagReader): Promise<Buffer> {
  const info = parseAs(value, PKCS8ShroudedKeyBag, 'its encrypted private key is');
  const scheme = schemeFor(info.encryptionAlgorithm, reader.maxIterations);
  note(reader, scheme.description);
  return decryptWith(scheme, bytes(info.encryptedData.buffer), reader.passwords, (plain) => {
    parseAs(plain, PrivateKeyInfo, 'its private key is');
    return plain;
  });
}

/** The certificate DER of an X.509 cert bag; undefined for other certificate kinds. */
function readCertificate(value: Encoded): Buffer | undefined {
  const bag = parseAs(value, CertBag, 'a certificate bag in it is');
  if (bag.certId !== OID.x509Certificate) return undefined;
  const der = octetStringValue(bag.certValue, 'a certificate in it is');
  parseAs(der, Certificate, 'a certificate in it is');
  return der;
}

/** friendlyName and localKeyId, when present and readable. */
function readAttributes(attributes: PKCS12Attribute[]): { friendlyName?: string; localKeyId?: Buffer } {
  const out: { friendlyName?: string; localKeyId?: Buffer } = {};
  for (const attribute of attributes) {
    const first = attribute.attrValues[0];
    if (!first) continue;
    if (attribute.attrId === OID.friendlyName) {
      const name = readString(first);
      if (name !== undefined) out.friendlyName = name;
    } else if (attribute.attrId === OID.localKeyId) {
      out.localKeyId = octetStringValue(first, 'a localKeyId in it is');
    }
  }
  return out;
}

/**
 * A friendly name: a BMPString by the RFC, though some tools write other string types. It is
 * only a label, so an unreadable one is dropped rather than failing the import.
 */
function readString(der: ArrayBuffer): string | undefined {
  try {
    const parsed = asn1js.fromBER(der);
    const value: unknown = parsed.result;
    return parsed.offset !== -1 && value instanceof asn1js.BaseStringBlock ? value.getValue() : undefined;
  } catch {
    return undefined;
  }
}
