import { isIP } from 'node:net';
import { KeyportError } from '../../../shared/errors';
import { describeGeneralName } from './general-names';
import { attributesOf } from './names';
import { OID } from './oids';
import type { ParsedCert } from './parsed-cert';

/**
 * Checks that the leaf names `servername` (RFC 6125 as node:tls's checkServerIdentity applies it):
 * - an IP literal (v4 or v6, brackets allowed) matches only iPAddress SANs, byte for byte;
 * - a DNS name matches the DNS SANs; only when there are none, the subject's common names
 *   (so a certificate with only IP SANs still falls back to its CN, as node and OpenSSL do);
 * - ASCII case-insensitive; one trailing dot on the name or the pattern is ignored;
 * - a wildcard only in the left-most label, one '*' per pattern, at least three labels, never
 *   matching across dots ('*.example.com' matches neither 'a.b.example.com' nor 'example.com').
 *   Where node and OpenSSL 3.0 disagree, the stricter rule wins: a '*' inside a label ('f*o') is
 *   refused (OpenSSL), a '*' at either end of one ('foo*', '*bar') accepted (both); no wildcard for
 *   IDNA labels, neither 'xn--' patterns (node) nor 'xn--' host labels (OpenSSL). A trailing dot
 *   follows node: 'good.example.' is 'good.example' (OpenSSL 3.0 refuses it).
 * Throws KEYPORT_TLS_HOSTNAME_MISMATCH naming what the certificate is for.
 */
export function checkHostname(leaf: ParsedCert, servername: string): void {
  if (!matchesHostname(leaf, servername)) throw mismatch(leaf, servername);
}

/** True when the leaf is valid for `servername` under the rules of checkHostname. */
export function matchesHostname(leaf: ParsedCert, servername: string): boolean {
  const host = servername.replace(/^\[(.*)\]$/, '$1');
  const sans = leaf.subjectAltNames ?? [];
  if (isIP(host)) {
    const bytes = ipBytes(host);
    return sans.some((n) => n.kind === 'ip' && bytes !== undefined && n.bytes.equals(bytes));
  }
  const dnsNames = sans.flatMap((n) => (n.kind === 'dns' ? [n.value] : []));
  const patterns =
    dnsNames.length > 0 ? dnsNames : attributesOf(leaf.subject, OID.commonName).flatMap((a) => a.text ?? []);
  return patterns.some((p) => dnsMatches(host, p));
}

/** One DNS reference name against one presented pattern. */
export function dnsMatches(hostname: string, pattern: string): boolean {
  const hostLabels = splitHost(hostname);
  const patternLabels = splitHost(pattern);
  if (hostLabels.length !== patternLabels.length || hostLabels.includes('')) return false;
  if (patternLabels.some((l) => l === '' || /[^\x21-\x7e]/.test(l))) return false;
  for (let i = hostLabels.length - 1; i > 0; i--) {
    if (hostLabels[i] !== patternLabels[i]) return false;
  }
  const hostFirst = hostLabels[0] ?? '';
  const patternFirst = patternLabels[0] ?? '';
  const parts = patternFirst.split('*');
  if (parts.length === 1 || patternFirst.includes('xn--')) return hostFirst === patternFirst;
  if (parts.length > 2 || patternLabels.length <= 2) return false;
  const [prefix = '', suffix = ''] = parts;
  if (prefix !== '' && suffix !== '') return false;
  if (patternFirst !== '*' && hostFirst.startsWith('xn--')) return false;
  return (
    hostFirst.length >= prefix.length + suffix.length &&
    hostFirst.startsWith(prefix) &&
    hostFirst.endsWith(suffix)
  );
}

function splitHost(name: string): string[] {
  return name
    .replace(/\.$/, '')
    .replace(/[A-Z]/g, (c) => c.toLowerCase())
    .split('.');
}

function ipBytes(ip: string): Buffer | undefined {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  const [head = '', tail] = ip.split('::');
  const groups = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const lastGroup = right.length > 0 ? right : left;
  const last = lastGroup[lastGroup.length - 1];
  // An embedded IPv4 tail ("::ffff:10.0.0.1") is two groups.
  if (last?.includes('.')) {
    const [a = 0, b = 0, c = 0, d = 0] = last.split('.').map(Number);
    lastGroup.splice(-1, 1, (a * 256 + b).toString(16), (c * 256 + d).toString(16));
  }
  const fill = tail === undefined ? [] : new Array<string>(8 - left.length - right.length).fill('0');
  const all = [...left, ...fill, ...right];
  if (all.length !== 8) return undefined;
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

function mismatch(leaf: ParsedCert, servername: string): KeyportError {
  const sans = (leaf.subjectAltNames ?? []).filter((n) => n.kind === 'dns' || n.kind === 'ip');
  const cns = attributesOf(leaf.subject, OID.commonName).flatMap((a) => a.text ?? []);
  let names: string;
  if (sans.length > 0) names = `is valid for ${sans.map(describeGeneralName).join(', ')}`;
  else if (cns.length > 0) names = `has no subject alternative names and its common name is '${cns.join("', '")}'`;
  else names = 'names no host at all';
  return new KeyportError(
    'KEYPORT_TLS_HOSTNAME_MISMATCH',
    `The server's certificate ${names}, not '${servername}'; connect with a name the certificate lists, or have the certificate reissued with this name.`,
  );
}
