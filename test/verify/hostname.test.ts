/**
 * Hostname rules (RFC 6125 as node:tls applies them, with OpenSSL's refusals where stricter), and
 * CA-file parsing. The differential test covers the same rules end to end against node and OpenSSL.
 */
import { checkServerIdentity, rootCertificates } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { dnsMatches, parsePemOrDer } from '../../src/core/pki/verify';

describe('dnsMatches', () => {
  const table: Array<[string, string, boolean]> = [
    ['good.example', 'good.example', true],
    ['GOOD.example', 'good.EXAMPLE', true],
    ['good.example.', 'good.example', true],
    ['good.example', 'good.example.', true],
    ['a.wild.example', '*.wild.example', true],
    ['a.b.wild.example', '*.wild.example', false],
    ['wild.example', '*.wild.example', false],
    ['.wild.example', '*.wild.example', false],
    ['a.example', '*.example', false],
    ['a.b.example.com', '*.*.example.com', false],
    ['a.b.example.com', 'a.*.example.com', false],
    ['foobar.example.com', 'foo*.example.com', true],
    ['xbar.example.com', '*bar.example.com', true],
    ['foo.example.com', 'f*o.example.com', false],
    ['xn--bcher-kva.example', 'x*.example', false],
    ['xn--bcher-kva.example', '*.example.com', false],
    ['xn--a.example.com', 'xn--*.example.com', false],
    ['good.example', 'good..example', false],
    ['good.example', '', false],
  ];

  it.each(table)('%s against %s is %s', (host, pattern, expected) => {
    expect(dnsMatches(host, pattern)).toBe(expected);
  });

  it('agrees with node checkServerIdentity except for the documented inner-label wildcard', () => {
    for (const [host, pattern, expected] of table) {
      if (pattern === 'f*o.example.com' || host === '.wild.example' || pattern === '') continue;
      const cert = { subject: { CN: '' }, subjectaltname: `DNS:${pattern}` } as never;
      expect(checkServerIdentity(host, cert) === undefined, `${host} vs ${pattern}`).toBe(expected);
    }
  });
});

describe('parsePemOrDer', () => {
  it('reads a PEM bundle and a single DER certificate', () => {
    const bundle = Buffer.from(rootCertificates.slice(0, 3).join('\n'));
    const ders = parsePemOrDer(bundle);
    expect(ders).toHaveLength(3);
    expect(parsePemOrDer(ders[0] ?? Buffer.alloc(0))).toEqual([ders[0]]);
  });

  it('refuses text that holds no certificate', () => {
    expect(() => parsePemOrDer(Buffer.from('hello'), 'ca.txt')).toThrow(/Cannot read ca.txt/);
  });
});
