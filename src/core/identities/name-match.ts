import { AsnParser } from '@peculiar/asn1-schema';
import { Name, type AttributeValue } from '@peculiar/asn1-x509';

/**
 * Whether two DER-encoded X.500 Names are the same name: byte-equal, or equal after
 * canonicalName(). A server's certificate_authorities list is usually a byte copy of its CA's
 * subject, but CAs re-encode names (PrintableString vs UTF8String, case, spacing), and
 * OpenSSL and RFC 5280 §7.1 treat those as equal too.
 */
export function sameName(a: Buffer, b: Buffer): boolean {
  if (a.equals(b)) return true;
  const canonical = canonicalName(a);
  return canonical !== undefined && canonical === canonicalName(b);
}

/**
 * A comparison key for a DER Name, in the spirit of OpenSSL's X509_NAME canonical form: attribute
 * types by OID; string values of any string type lower-cased, trimmed, inner whitespace runs
 * collapsed to one space; the attributes of a multi-valued RDN as a set; non-string values by
 * their bytes. Undefined when `der` is not a Name.
 */
export function canonicalName(der: Buffer): string | undefined {
  let name: Name;
  try {
    name = AsnParser.parse(der, Name);
  } catch {
    return undefined;
  }
  const rdns = name.map((rdn) =>
    rdn
      .map((atv) => JSON.stringify([atv.type, canonicalValue(atv.value)]))
      .sort()
      .join('+'),
  );
  return JSON.stringify(rdns);
}

function canonicalValue(value: AttributeValue): string {
  const text =
    value.utf8String ?? value.printableString ?? value.ia5String ?? value.bmpString ?? value.universalString ?? value.teletexString;
  if (text === undefined) return `#${Buffer.from(value.anyValue ?? new ArrayBuffer(0)).toString('hex')}`;
  return text.normalize('NFC').trim().replace(/\s+/g, ' ').toLowerCase();
}
