/**
 * sameName(): byte-equal DER Names, and names a CA re-encoded (string type, case, spacing,
 * attribute order inside one RDN) compare equal; different values, RDN order or garbage do not.
 */
import { AsnSerializer } from '@peculiar/asn1-schema';
import { AttributeTypeAndValue, AttributeValue, Name, RelativeDistinguishedName } from '@peculiar/asn1-x509';
import { describe, expect, it } from 'vitest';
import { canonicalName, sameName } from '../../src/core/identities/name-match';

const CN = '2.5.4.3';
const O = '2.5.4.10';
const OU = '2.5.4.11';

type Value = Partial<AttributeValue>;

/** A DER Name from RDNs of [oid, value] pairs. */
function name(...rdns: Array<Array<[string, Value]>>): Buffer {
  const n = new Name(rdns.map((rdn) => new RelativeDistinguishedName(rdn.map(([type, v]) => new AttributeTypeAndValue({ type, value: new AttributeValue(v) })))));
  return Buffer.from(AsnSerializer.serialize(n));
}

describe('sameName', () => {
  const ca = name([[CN, { printableString: 'Keyport CA B' }]], [[O, { utf8String: 'Keyport Tests' }]]);

  it('byte-equal names are the same', () => {
    expect(sameName(ca, Buffer.from(ca))).toBe(true);
  });

  it('a re-encoded name (UTF8String, other case, extra spaces) is the same', () => {
    const other = name([[CN, { utf8String: '  keyport   ca b ' }]], [[O, { printableString: 'KEYPORT TESTS' }]]);
    expect(other.equals(ca)).toBe(false);
    expect(sameName(ca, other)).toBe(true);
  });

  it('a multi-valued RDN compares as a set', () => {
    const a = name([[O, { utf8String: 'Acme' }], [OU, { utf8String: 'Ops' }]]);
    const b = name([[OU, { utf8String: 'Ops' }], [O, { utf8String: 'Acme' }]]);
    expect(sameName(a, b)).toBe(true);
  });

  it('another value, another attribute type or another RDN order is another name', () => {
    expect(sameName(ca, name([[CN, { printableString: 'Keyport CA A' }]], [[O, { utf8String: 'Keyport Tests' }]]))).toBe(false);
    expect(sameName(ca, name([[OU, { printableString: 'Keyport CA B' }]], [[O, { utf8String: 'Keyport Tests' }]]))).toBe(false);
    expect(sameName(ca, name([[O, { utf8String: 'Keyport Tests' }]], [[CN, { printableString: 'Keyport CA B' }]]))).toBe(false);
    expect(sameName(ca, name([[CN, { printableString: 'Keyport CA B' }]]))).toBe(false);
  });

  it('bytes that are not a Name match only themselves', () => {
    const junk = Buffer.from('3003020101', 'hex');
    expect(canonicalName(junk)).toBeUndefined();
    expect(sameName(junk, Buffer.from(junk))).toBe(true);
    expect(sameName(junk, ca)).toBe(false);
    expect(sameName(ca, junk)).toBe(false);
  });
});
