/**
 * The differential corpus: good and bad chains made with the openssl CLI, each with the verdict
 * Keyport must reach. Where node:tls or OpenSSL deliberately reach another verdict, `reference`
 * says so and why (see src/core/pki/verify/index.ts for the list of differences).
 */
import { TestPki, windows, type TestCert, type TestKey, type Window } from './openssl-pki';

/** The outcome categories compared across the three verifiers. */
export type Verdict = 'ok' | 'unknown-ca' | 'expired' | 'hostname' | 'bad';

/** One corpus case. */
export interface Case {
  name: string;
  /** As the server sends it: leaf first. */
  chain: TestCert[];
  anchors: TestCert[];
  /** DNS name or IP literal the client connects to. */
  host: string;
  expect: Verdict;
  reference?: { node?: Verdict; openssl?: Verdict; why: string };
}

const ROOT = ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign', 'subjectKeyIdentifier=hash'];
const CA = [...ROOT, 'authorityKeyIdentifier=keyid:always'];
const GOOD_SAN = 'DNS:good.example,IP:127.0.0.1,IP:::1';
const UNKNOWN_CRITICAL = '1.3.6.1.4.1.55555.1=critical,ASN1:UTF8String:keyport';

/** Leaf extensions with the given SAN (none when undefined). */
function leafExt(san: string | undefined): string[] {
  return [
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=serverAuth',
    'subjectKeyIdentifier=hash',
    'authorityKeyIdentifier=keyid:always',
    ...(san ? [`subjectAltName=${san}`] : []),
  ];
}

/** `ext` with the lines for `key` replaced by `line` (or removed when `line` is undefined). */
function change(ext: string[], key: string, line?: string): string[] {
  const kept = ext.filter((l) => !l.startsWith(`${key}=`));
  return line === undefined ? kept : [...kept, line];
}

interface LeafOptions {
  issuer?: TestCert;
  san?: string;
  ext?: string[];
  cn?: string;
  window?: Window;
}

interface CaseOptions {
  anchors?: TestCert[];
  host?: string;
  reference?: Case['reference'];
}

/** Builds every certificate and case; takes a few seconds (EC keys, two RSA keys). */
export function buildCorpus(pki: TestPki): Case[] {
  const k = (name: string, type: 'ec' | 'rsa' = 'ec'): TestKey => pki.key(name, type);
  const kRoot = k('root');
  const kInt = k('int');
  const kLeaf = k('leaf');
  const kOther = k('other');
  const ca = (name: string, key: TestKey, ext: string[], issuer?: TestCert, window?: Window): TestCert =>
    pki.issue({ name, subject: `/O=Keyport Test/CN=${name}`, key, issuer, ext, window });

  const root = ca('Test Root', kRoot, ROOT);
  const root2 = ca('Other Root', k('root2'), ROOT);
  const int = ca('Test Int', kInt, CA, root);
  /** A leaf (default: for good.example, 127.0.0.1 and ::1, under int). */
  const leaf = (name: string, o: LeafOptions = {}): TestCert =>
    pki.issue({
      name,
      subject: `/O=Keyport Test/CN=${o.cn ?? name}`,
      key: kLeaf,
      issuer: o.issuer ?? int,
      ext: o.ext ?? leafExt(o.san ?? GOOD_SAN),
      window: o.window,
    });
  const cases: Case[] = [];
  /** Adds a case; by default anchored at root and connecting to good.example. */
  const add = (name: string, chain: TestCert[], expect: Verdict, o: CaseOptions = {}): void => {
    cases.push({ name, chain, anchors: o.anchors ?? [root], host: o.host ?? 'good.example', expect, reference: o.reference });
  };

  const good = leaf('good');
  add('EC root > intermediate > leaf', [good, int], 'ok');
  add('IPv4 literal matches an IP SAN', [good, int], 'ok', { host: '127.0.0.1' });
  add('IPv6 literal matches an IP SAN', [good, int], 'ok', { host: '::1' });
  add('upper case', [good, int], 'ok', { host: 'GOOD.Example' });
  add('trailing dot', [good, int], 'ok', {
    host: 'good.example.',
    reference: { openssl: 'hostname', why: "node's rule: the absolute name is the same name; OpenSSL 3.0 keeps the dot" },
  });
  add('wrong host', [good, int], 'hostname', { host: 'other.example' });
  add('IP literal not among the SANs', [good, int], 'hostname', { host: '127.0.0.2' });
  add('missing intermediate', [good], 'unknown-ca');
  add('only the intermediate is trusted', [good, int], 'unknown-ca', { anchors: [int] });
  add('untrusted root sent in the chain', [good, int, root], 'unknown-ca', { anchors: [root2] });
  add('extra unrelated certificates', [good, root2, int, leaf('stray', { issuer: root2 })], 'ok');
  add('leaf signature tampered', [pki.tamper(good, 'good-tampered'), int], 'bad');
  add('intermediate signature tampered', [good, pki.tamper(int, 'int-tampered')], 'bad');

  // Validity.
  add('expired leaf', [leaf('expired', { window: windows.expired() }), int], 'expired');
  add('leaf not yet valid', [leaf('future', { window: windows.future() }), int], 'expired');
  const intExpired = pki.issue({ name: 'int-expired', subject: '/O=Keyport Test/CN=Test Int', key: kInt, issuer: root, ext: CA, window: windows.expired() });
  add('expired intermediate', [good, intExpired], 'expired');
  const rootExpired = ca('Expired Root', k('root-expired'), ROOT, undefined, windows.expired());
  const intUnderExpired = ca('Int Under Expired', kOther, CA, rootExpired);
  add('expired root', [leaf('under-expired-root', { issuer: intUnderExpired }), intUnderExpired], 'expired', { anchors: [rootExpired] });

  // Cross-signing: the same intermediate (subject and key) issued by two roots.
  const intCross = pki.issue({ name: 'int-cross', subject: '/O=Keyport Test/CN=Test Int', key: kInt, issuer: root2, ext: CA, window: windows.expired() });
  add('cross-signed: expired and valid copies of the intermediate', [good, intCross, int], 'ok', { anchors: [root, root2] });
  const kX = k('int-x');
  const intByOld = pki.issue({ name: 'int-x-old', subject: '/O=Keyport Test/CN=Int X', key: kX, issuer: rootExpired, ext: CA });
  const intByNew = pki.issue({ name: 'int-x-new', subject: '/O=Keyport Test/CN=Int X', key: kX, issuer: root, ext: CA });
  add('cross-signed: first path ends at an expired trusted root', [leaf('under-x', { issuer: intByOld }), intByOld, intByNew], 'ok', {
    anchors: [rootExpired, root],
    reference: { node: 'expired', openssl: 'expired', why: 'Keyport backtracks to the second path; OpenSSL stops at its first trusted one' },
  });

  // Three levels, sent out of order.
  const int2 = ca('Test Int 2', kOther, CA, int);
  add('three levels, intermediates out of order', [leaf('deep', { issuer: int2 }), int, int2], 'ok');

  // RSA with RSA-PSS signatures.
  const pss = ['rsa_padding_mode:pss', 'rsa_pss_saltlen:32'];
  const rsaRoot = ca('RSA Root', k('rsa-root', 'rsa'), ROOT);
  const rsaInt = pki.issue({ name: 'rsa-int', subject: '/O=Keyport Test/CN=RSA Int', key: k('rsa-int', 'rsa'), issuer: rsaRoot, ext: CA, sigopt: pss });
  const pssLeaf = pki.issue({ name: 'pss-leaf', subject: '/O=Keyport Test/CN=pss', key: kLeaf, issuer: rsaInt, ext: leafExt(GOOD_SAN), sigopt: pss });
  add('RSA root, RSA-PSS signed intermediate and leaf', [pssLeaf, rsaInt], 'ok', { anchors: [rsaRoot] });

  // Hostname rules.
  const wild = leaf('wild', { san: 'DNS:*.wild.example' });
  add('wildcard matches one label', [wild, int], 'ok', { host: 'a.wild.example' });
  add('wildcard does not match two labels', [wild, int], 'hostname', { host: 'a.b.wild.example' });
  add('wildcard does not match the bare domain', [wild, int], 'hostname', { host: 'wild.example' });
  add('two wildcards', [leaf('wild2', { san: 'DNS:*.*.example.com' }), int], 'hostname', { host: 'a.b.example.com' });
  add('wildcard over a two-label name', [leaf('wild-tld', { san: 'DNS:*.example' }), int], 'hostname', { host: 'a.example' });
  add('wildcard at the end of a label', [leaf('wild-prefix', { san: 'DNS:foo*.example.com' }), int], 'ok', { host: 'foobar.example.com' });
  add('wildcard inside a label', [leaf('wild-partial', { san: 'DNS:f*o.example.com' }), int], 'hostname', {
    host: 'foo.example.com',
    reference: { node: 'ok', why: "OpenSSL's rule (no 'foo*bar' wildcards) is the stricter one" },
  });
  add('IP literal against a DNS SAN', [leaf('dns-ip', { san: 'DNS:127.0.0.1' }), int], 'hostname', { host: '127.0.0.1' });
  add('common name used without SANs', [leaf('cn-only', { cn: 'good.example', ext: leafExt(undefined) }), int], 'ok');
  add('common name used when SANs are only IPs', [leaf('cn-ip', { cn: 'good.example', san: 'IP:127.0.0.1' }), int], 'ok');
  add('common name ignored when DNS SANs exist', [leaf('cn-san', { cn: 'good.example', san: 'DNS:other.example' }), int], 'hostname');

  // Self-signed leaves.
  const selfExt = change(leafExt(GOOD_SAN), 'authorityKeyIdentifier');
  const selfLeaf = pki.issue({ name: 'self', subject: '/O=Keyport Test/CN=good.example', key: kLeaf, ext: selfExt });
  add('self-signed leaf that is trusted', [selfLeaf], 'ok', { anchors: [selfLeaf] });
  add('self-signed leaf not trusted', [selfLeaf], 'unknown-ca');

  // Usages, CA-ness and critical extensions.
  const clientOnly = change(leafExt(GOOD_SAN), 'extendedKeyUsage', 'extendedKeyUsage=clientAuth');
  add('leaf EKU clientAuth only', [leaf('eku-client', { ext: clientOnly }), int], 'bad');
  const agreeOnly = change(leafExt(GOOD_SAN), 'keyUsage', 'keyUsage=critical,keyAgreement');
  add('leaf keyUsage keyAgreement only', [leaf('ku-agree', { ext: agreeOnly }), int], 'bad', {
    reference: {
      node: 'ok',
      openssl: 'ok',
      why: 'Keyport requires digitalSignature on the leaf: its TLS client only negotiates suites where the server signs',
    },
  });
  add('leaf with an unknown critical extension', [leaf('crit', { ext: [...leafExt(GOOD_SAN), UNKNOWN_CRITICAL] }), int], 'bad');
  const underCa = (name: string, ext: string[], expect: Verdict): void => {
    const issuer = ca(name, kOther, ext, root);
    add(name, [leaf(`${name} leaf`, { issuer }), issuer], expect);
  };
  underCa('intermediate EKU serverAuth', [...CA, 'extendedKeyUsage=serverAuth'], 'ok');
  underCa('intermediate EKU clientAuth only', [...CA, 'extendedKeyUsage=clientAuth'], 'bad');
  underCa('intermediate EKU anyExtendedKeyUsage only', [...CA, 'extendedKeyUsage=anyExtendedKeyUsage'], 'bad');
  underCa('intermediate CA FALSE', change(CA, 'basicConstraints', 'basicConstraints=critical,CA:FALSE'), 'bad');
  underCa('intermediate without basicConstraints', change(change(CA, 'basicConstraints'), 'keyUsage'), 'bad');
  underCa('intermediate keyUsage without keyCertSign', change(CA, 'keyUsage', 'keyUsage=critical,digitalSignature'), 'bad');
  underCa('intermediate with an unknown critical extension', [...CA, UNKNOWN_CRITICAL], 'bad');

  // Path length.
  for (const [n, expect] of [[1, 'ok'], [0, 'bad']] as const) {
    const r = ca(`Root pathlen ${n}`, kRoot, change(ROOT, 'basicConstraints', `basicConstraints=critical,CA:TRUE,pathlen:${n}`));
    const i = ca(`Int under pathlen ${n}`, kOther, CA, r);
    add(`pathlen ${n} with one intermediate`, [leaf(`pathlen ${n} leaf`, { issuer: i }), i], expect, { anchors: [r] });
  }

  // Name constraints.
  const ncSan = 'DNS:good.example,IP:127.0.0.1';
  const underNc = (name: string, nc: string, expect: Verdict, o: { san?: string; cn?: string; extra?: string[] } = {}): void => {
    const issuer = ca(name, kOther, [...CA, `nameConstraints=critical,${nc}`, ...(o.extra ?? [])], root);
    add(name, [leaf(`${name} leaf`, { issuer, cn: o.cn, ext: leafExt(o.san) }), issuer], expect);
  };
  underNc('name constraints satisfied', 'permitted;DNS:good.example,permitted;IP:127.0.0.0/255.0.0.0', 'ok', { san: ncSan });
  underNc('name constraints: DNS outside permitted', 'permitted;DNS:.allowed.example', 'bad', { san: ncSan });
  underNc('name constraints: DNS excluded', 'excluded;DNS:good.example', 'bad', { san: ncSan });
  underNc('name constraints: IP outside permitted', 'permitted;IP:10.0.0.0/255.0.0.0', 'bad', { san: ncSan });
  underNc('name constraints: common name of a SAN-less leaf', 'permitted;DNS:.allowed.example', 'bad', { cn: 'good.example' });
  underNc('name constraints: email outside permitted', 'permitted;email:.allowed.example', 'bad', {
    san: `${ncSan},email:bob@good.example`,
  });
  underNc('name constraints: email and URI hosts permitted', 'permitted;email:good.example,permitted;URI:good.example', 'ok', {
    san: `${ncSan},email:bob@good.example,URI:https://good.example:8443/x`,
  });
  underNc('name constraints: IPv6 excluded', 'excluded;IP:::1/FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF', 'bad', { san: GOOD_SAN });
  underNc('name constraints: subject excluded by directoryName', 'excluded;dirName:nc_dir', 'bad', {
    san: ncSan,
    extra: ['[nc_dir]', 'O=Keyport Test'],
  });
  return cases;
}
