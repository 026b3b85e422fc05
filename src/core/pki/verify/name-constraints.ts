import { badCertificate } from './failures';
import { describeGeneralName, type GeneralName, type NameConstraints, type Subtree } from './general-names';
import { attributesOf, nameWithin } from './names';
import { OID } from './oids';
import type { ParsedCert } from './parsed-cert';

type SingleResult = 'match' | 'no-match' | 'unsupported';

/**
 * OpenSSL's check_name_constraints: every certificate below a CA with name constraints (self-issued
 * intermediates excepted) must keep its subject, subject emailAddress attributes and subject
 * alternative names inside the permitted subtrees and outside the excluded ones; a leaf without DNS
 * names also has its host-like common names checked as DNS names. Constraints of trust anchors count.
 */
export function checkNameConstraints(path: readonly ParsedCert[]): void {
  for (let i = path.length - 1; i >= 0; i--) {
    const cert = path[i] as ParsedCert;
    if (i !== 0 && cert.selfIssued) continue;
    for (let j = path.length - 1; j > i; j--) {
      const constrainer = path[j] as ParsedCert;
      if (!constrainer.nameConstraints) continue;
      const problem = firstViolation(namesOf(cert, i === 0), constrainer.nameConstraints);
      if (problem) {
        throw badCertificate(path, i, `violates the name constraints of '${constrainer.subject.text}': ${problem}`);
      }
    }
  }
}

/** The names a certificate asserts, in the order OpenSSL checks them. */
function namesOf(cert: ParsedCert, isLeaf: boolean): Array<GeneralName | { kind: 'bad'; what: string }> {
  const names: Array<GeneralName | { kind: 'bad'; what: string }> = [];
  if (cert.subject.rdns.length > 0) names.push({ kind: 'dirName', name: cert.subject });
  for (const email of attributesOf(cert.subject, OID.emailAddress)) {
    names.push(email.ia5 && email.text !== undefined ? { kind: 'email', value: email.text } : bad('emailAddress'));
  }
  const sans = cert.subjectAltNames ?? [];
  names.push(...sans);
  if (isLeaf && !sans.some((n) => n.kind === 'dns')) {
    for (const cn of attributesOf(cert.subject, OID.commonName)) {
      if (cn.text?.includes('\0')) names.push(bad('commonName'));
      else if (cn.text !== undefined && looksLikeHostname(cn.text)) names.push({ kind: 'dns', value: cn.text });
    }
  }
  return names;
}

function bad(what: string): { kind: 'bad'; what: string } {
  return { kind: 'bad', what };
}

function firstViolation(
  names: ReadonlyArray<GeneralName | { kind: 'bad'; what: string }>,
  nc: NameConstraints,
): string | undefined {
  for (const name of names) {
    if (name.kind === 'bad') return `its ${name.what} cannot be checked against them`;
    const problem = violation(name, nc);
    if (problem) return problem;
  }
  return undefined;
}

/** OpenSSL's nc_match: one name against all subtrees of its type. */
function violation(name: GeneralName, nc: NameConstraints): string | undefined {
  const unsupported = `${describeGeneralName(name)} cannot be checked against them (unsupported name or constraint form)`;
  const permitted = nc.permitted.filter((s) => sameType(s, name));
  let matched = permitted.length === 0;
  for (const subtree of permitted) {
    if (!subtree.minMaxValid) return unsupported;
    const r = matchSingle(name, subtree.base);
    if (r === 'unsupported') return unsupported;
    if (r === 'match') {
      matched = true;
      break;
    }
  }
  if (!matched) {
    return `${describeGeneralName(name)} is outside the permitted names (${permitted.map((s) => describeGeneralName(s.base)).join(', ')})`;
  }
  for (const subtree of nc.excluded.filter((s) => sameType(s, name))) {
    if (!subtree.minMaxValid) return unsupported;
    const r = matchSingle(name, subtree.base);
    if (r === 'unsupported') return unsupported;
    if (r === 'match') return `${describeGeneralName(name)} is within the excluded names (${describeGeneralName(subtree.base)})`;
  }
  return undefined;
}

function sameType(subtree: Subtree, name: GeneralName): boolean {
  const b = subtree.base;
  if (b.kind === 'other' && name.kind === 'other') return b.tag === name.tag;
  return b.kind === name.kind;
}

function matchSingle(name: GeneralName, base: GeneralName): SingleResult {
  if (name.kind === 'dirName' && base.kind === 'dirName') return verdict(nameWithin(name.name, base.name));
  if (name.kind === 'dns' && base.kind === 'dns') return verdict(dnsWithin(name.value, base.value));
  if (name.kind === 'email' && base.kind === 'email') return emailWithin(name.value, base.value);
  if (name.kind === 'uri' && base.kind === 'uri') return uriWithin(name.value, base.value);
  if (name.kind === 'ip' && base.kind === 'ip') return ipWithin(name.bytes, base.bytes);
  return 'unsupported';
}

function verdict(ok: boolean): SingleResult {
  return ok ? 'match' : 'no-match';
}

/** nc_dns: the base, or the base preceded by more labels (a leading '.' in the base is optional). */
function dnsWithin(dns: string, base: string): boolean {
  if (base.length === 0) return true;
  if (dns.length < base.length) return false;
  const cut = dns.length - base.length;
  if (cut > 0 && !base.startsWith('.') && dns[cut - 1] !== '.') return false;
  return asciiLower(dns.slice(cut)) === asciiLower(base);
}

/** nc_email: a mailbox (local part case-sensitive), a host, or '.domain' for any host under it. */
function emailWithin(email: string, base: string): SingleResult {
  const at = email.lastIndexOf('@');
  if (at < 0) return 'unsupported';
  const baseAt = base.lastIndexOf('@');
  if (baseAt < 0 && base.startsWith('.')) {
    return verdict(endsWithDomain(email, base));
  }
  if (baseAt > 0 && base.slice(0, baseAt) !== email.slice(0, at)) return 'no-match';
  return verdict(asciiLower(base.slice(baseAt + 1)) === asciiLower(email.slice(at + 1)));
}

/** nc_uri: the URI's host equals the base, or ends with it when the base starts with '.'. */
function uriWithin(uri: string, base: string): SingleResult {
  const m = /^[^:]*:\/\/([^:/]*)/.exec(uri);
  const host = m?.[1];
  if (!host) return 'unsupported';
  if (base.startsWith('.')) return verdict(endsWithDomain(host, base));
  return verdict(asciiLower(host) === asciiLower(base));
}

/** nc_ip: same family, and equal under the subtree's mask. */
function ipWithin(ip: Buffer, base: Buffer): SingleResult {
  if ((ip.length !== 4 && ip.length !== 16) || (base.length !== 8 && base.length !== 32)) return 'unsupported';
  if (ip.length * 2 !== base.length) return 'no-match';
  for (let k = 0; k < ip.length; k++) {
    const mask = base[ip.length + k] ?? 0;
    if (((ip[k] ?? 0) & mask) !== ((base[k] ?? 0) & mask)) return 'no-match';
  }
  return 'match';
}

/** `name` is longer than `.domain` and ends with it (ASCII case-insensitive). */
function endsWithDomain(name: string, domain: string): boolean {
  return name.length > domain.length && asciiLower(name.slice(name.length - domain.length)) === asciiLower(domain);
}

/** OpenSSL's cn2dnsid: letters, digits, '_', inner '-' and '.', and at least two labels. */
function looksLikeHostname(cn: string): boolean {
  return /^[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?)+$/.test(cn);
}

function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}
