import { AsnConvert } from '@peculiar/asn1-schema';
import { Name } from '@peculiar/asn1-x509';
import { readChildren, readWhole, type Tlv } from './der';
import { readName, type DistinguishedName } from './names';

/** A GeneralName (RFC 5280 4.2.1.6) in the form the checks need; IP addresses keep their raw bytes. */
export type GeneralName =
  | { kind: 'dns' | 'email' | 'uri'; value: string }
  | { kind: 'ip'; bytes: Buffer }
  | { kind: 'dirName'; name: DistinguishedName }
  /** otherName, x400Address, ediPartyName, registeredID: carried by tag, never matched. */
  | { kind: 'other'; tag: number };

/** One permitted or excluded subtree of a name-constraints extension. */
export interface Subtree {
  base: GeneralName;
  /** OpenSSL rejects subtrees with a minimum other than 0 or any maximum (X509_V_ERR_SUBTREE_MINMAX). */
  minMaxValid: boolean;
}

/** Decoded name-constraints extension. */
export interface NameConstraints {
  permitted: Subtree[];
  excluded: Subtree[];
}

/** Decodes the value of a subjectAltName extension (a SEQUENCE OF GeneralName). */
export function decodeGeneralNames(der: Buffer): GeneralName[] {
  return readChildren(sequenceContents(der)).map(decodeGeneralName);
}

/** Decodes the value of a nameConstraints extension. */
export function decodeNameConstraints(der: Buffer): NameConstraints {
  const nc: NameConstraints = { permitted: [], excluded: [] };
  for (const part of readChildren(sequenceContents(der))) {
    if (part.tagClass !== 'context' || part.tagNumber > 1) throw new Error('unexpected element in name constraints');
    const subtrees = readChildren(part.contents).map(decodeSubtree);
    if (part.tagNumber === 0) nc.permitted = subtrees;
    else nc.excluded = subtrees;
  }
  return nc;
}

/** "DNS:a.example", "IP:10.0.0.1" — how names appear in messages. */
export function describeGeneralName(n: GeneralName): string {
  switch (n.kind) {
    case 'dns':
      return `DNS:${n.value}`;
    case 'email':
      return `email:${n.value}`;
    case 'uri':
      return `URI:${n.value}`;
    case 'ip':
      return `IP:${formatIp(n.bytes)}`;
    case 'dirName':
      return `DirName:${n.name.text}`;
    case 'other':
      return `othername[${n.tag}]`;
  }
}

/** An address (4 or 16 bytes) or an address/mask pair (8 or 32 bytes) as text. */
export function formatIp(bytes: Buffer): string {
  if (bytes.length === 8 || bytes.length === 32) {
    const half = bytes.length / 2;
    return `${formatIp(bytes.subarray(0, half))}/${formatIp(bytes.subarray(half))}`;
  }
  if (bytes.length === 4) return [...bytes].join('.');
  if (bytes.length === 16) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
    return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
  }
  return `0x${bytes.toString('hex')}`;
}

function decodeSubtree(tlv: Tlv): Subtree {
  const [base, ...rest] = readChildren(tlv.contents);
  if (!base) throw new Error('empty name-constraint subtree');
  const minMaxValid = rest.every((f) => f.tagNumber === 0 && f.contents.every((b) => b === 0));
  return { base: decodeGeneralName(base), minMaxValid };
}

function decodeGeneralName(tlv: Tlv): GeneralName {
  if (tlv.tagClass !== 'context') throw new Error('general name without a context tag');
  switch (tlv.tagNumber) {
    case 1:
      return { kind: 'email', value: tlv.contents.toString('latin1') };
    case 2:
      return { kind: 'dns', value: tlv.contents.toString('latin1') };
    case 6:
      return { kind: 'uri', value: tlv.contents.toString('latin1') };
    case 7:
      return { kind: 'ip', bytes: Buffer.from(tlv.contents) };
    case 4: {
      const inner = readWhole(tlv.contents);
      return { kind: 'dirName', name: readName(AsnConvert.parse(inner.raw, Name)) };
    }
    default:
      return { kind: 'other', tag: tlv.tagNumber };
  }
}

function sequenceContents(der: Buffer): Buffer {
  const seq = readWhole(der);
  if (seq.tagClass !== 'universal' || seq.tagNumber !== 16) throw new Error('expected a SEQUENCE');
  return seq.contents;
}
