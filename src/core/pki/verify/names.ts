import type { AttributeTypeAndValue, Name } from '@peculiar/asn1-x509';
import { ATTRIBUTE_NAMES } from './oids';

/** One attribute of a distinguished name: its type and, for text values, the text. */
export interface NameAttribute {
  type: string;
  /** The text for string types; undefined for other ASN.1 types (their DER is in `canonical`). */
  text?: string;
  /** True when the value is an IA5String (the only type OpenSSL accepts for emailAddress). */
  ia5: boolean;
  /** Compared value: OpenSSL's canonical form (trimmed, inner whitespace collapsed, ASCII lower case). */
  canonical: string;
}

/** A distinguished name prepared for the comparisons OpenSSL makes (X509_NAME_cmp, name constraints). */
export interface DistinguishedName {
  /** RDNs in encoded order; each RDN's attributes sorted by canonical form, as a DER SET would be. */
  rdns: NameAttribute[][];
  /** Equal for names OpenSSL considers equal. */
  key: string;
  /** For messages: RFC 4514 order, most specific first ("CN=Int CA, O=Example"). */
  text: string;
}

/** Reads a parsed ASN.1 Name into the comparable form. */
export function readName(name: Name): DistinguishedName {
  const rdns = name.map((rdn) => rdn.map(readAttribute).sort(byKey));
  const key = rdns.map((rdn) => rdn.map(attributeKey).join('+')).join('/');
  const text = [...rdns]
    .reverse()
    .map((rdn) => rdn.map(displayAttribute).join('+'))
    .join(', ');
  return { rdns, key, text };
}

/** True when OpenSSL's X509_NAME_cmp would call the two names equal. */
export function sameName(a: DistinguishedName, b: DistinguishedName): boolean {
  return a.key === b.key;
}

/** True when `base`'s RDNs are the leading RDNs of `name` (a directoryName name constraint). */
export function nameWithin(name: DistinguishedName, base: DistinguishedName): boolean {
  if (base.rdns.length > name.rdns.length) return false;
  return base.rdns.every((rdn, i) => rdnKey(rdn) === rdnKey(name.rdns[i] ?? []));
}

/** Values of every attribute of `type` in the name, in order (e.g. all CNs). */
export function attributesOf(name: DistinguishedName, type: string): NameAttribute[] {
  return name.rdns.flat().filter((a) => a.type === type);
}

function readAttribute(ava: AttributeTypeAndValue): NameAttribute {
  const v = ava.value;
  const text = v.utf8String ?? v.printableString ?? v.ia5String ?? v.teletexString ?? v.bmpString ?? v.universalString;
  if (text === undefined) {
    const der = Buffer.from(v.anyValue ?? new ArrayBuffer(0)).toString('hex');
    return { type: ava.type, ia5: false, canonical: `#${der}` };
  }
  return { type: ava.type, text, ia5: v.ia5String !== undefined, canonical: canonicalText(text) };
}

/** OpenSSL's asn1_string_canon: trim, collapse inner whitespace, lower-case ASCII only. */
function canonicalText(text: string): string {
  return text
    .replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, '')
    .replace(/[ \t\n\v\f\r]+/g, ' ')
    .replace(/[A-Z]/g, (c) => c.toLowerCase());
}

function attributeKey(a: NameAttribute): string {
  return `${a.type}=${JSON.stringify(a.canonical)}`;
}

function byKey(a: NameAttribute, b: NameAttribute): number {
  const ka = attributeKey(a);
  const kb = attributeKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function rdnKey(rdn: NameAttribute[]): string {
  return rdn.map(attributeKey).join('+');
}

function displayAttribute(a: NameAttribute): string {
  return `${ATTRIBUTE_NAMES[a.type] ?? a.type}=${a.text ?? a.canonical}`;
}
