/**
 * Differential test of src/core/pki/verify against node:tls and `openssl verify` over a corpus of
 * good and bad chains made with the openssl CLI (see corpus.ts). For every case Keyport's verdict
 * must be the expected one, and node:tls and OpenSSL must reach it too unless the case documents a
 * deliberate difference.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { isKeyportError } from '../../src/shared/errors';
import { verifyServerChain, type VerifyServerChainOptions } from '../../src/core/pki/verify';
import { buildCorpus, type Case, type Verdict } from './corpus';
import { TestPki } from './openssl-pki';
import { nodeVerdict, opensslVerdict } from './oracles';

const CATEGORY: Readonly<Record<string, Verdict>> = {
  KEYPORT_TLS_UNKNOWN_CA: 'unknown-ca',
  KEYPORT_TLS_CERT_EXPIRED: 'expired',
  KEYPORT_TLS_HOSTNAME_MISMATCH: 'hostname',
  KEYPORT_TLS_BAD_CERTIFICATE: 'bad',
};

const pki = new TestPki();
const cases = buildCorpus(pki);
afterAll(() => pki.dispose());

function options(c: Case, extra: Partial<VerifyServerChainOptions> = {}): VerifyServerChainOptions {
  return { chain: c.chain.map((x) => x.der), trustAnchors: c.anchors.map((a) => a.der), servername: c.host, ...extra };
}

async function keyportVerdict(c: Case): Promise<{ verdict: string; detail: string }> {
  try {
    const v = await verifyServerChain(options(c));
    return { verdict: 'ok', detail: `anchored at ${v.anchorSubject}` };
  } catch (e) {
    if (!isKeyportError(e)) throw e;
    return { verdict: CATEGORY[e.code] ?? e.code, detail: e.message };
  }
}

function find(name: string): Case {
  const c = cases.find((x) => x.name === name);
  if (!c) throw new Error(`no corpus case named ${name}`);
  return c;
}

async function failure(o: VerifyServerChainOptions): Promise<{ code: string; message: string }> {
  try {
    await verifyServerChain(o);
  } catch (e) {
    if (isKeyportError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('verification unexpectedly succeeded');
}

describe('verifyServerChain agrees with node:tls and openssl verify', () => {
  it('has a corpus with both outcomes', () => {
    expect(cases.filter((c) => c.expect === 'ok').length).toBeGreaterThan(10);
    expect(new Set(cases.map((c) => c.expect))).toEqual(new Set(['ok', 'unknown-ca', 'expired', 'hostname', 'bad']));
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const keyport = await keyportVerdict(c);
    const node = await nodeVerdict(c);
    const openssl = opensslVerdict(c, pki);
    expect(keyport.verdict, keyport.detail).toBe(c.expect);
    expect(node.verdict, `node:tls: ${node.detail}`).toBe(c.reference?.node ?? c.expect);
    expect(openssl.verdict, `openssl: ${openssl.detail}`).toBe(c.reference?.openssl ?? c.expect);
  });
});

describe('verifyServerChain results and messages', () => {
  it('returns the path from leaf to anchor and the anchor subject', async () => {
    const c = find('three levels, intermediates out of order');
    const v = await verifyServerChain(options(c));
    expect(v.path).toHaveLength(4);
    expect(v.path[0]?.equals(c.chain[0]?.der ?? Buffer.alloc(0))).toBe(true);
    expect(v.path[3]?.equals(c.anchors[0]?.der ?? Buffer.alloc(0))).toBe(true);
    expect(v.anchorSubject).toBe('CN=Test Root, O=Keyport Test');
  });

  it('names the missing issuer and suggests --ca', async () => {
    const f = await failure(options(find('missing intermediate')));
    expect(f.message).toContain("issued by 'CN=Test Int, O=Keyport Test' which Keyport does not trust");
    expect(f.message).toContain('--ca');
  });

  it('names the expired certificate and its date', async () => {
    const c = find('expired intermediate');
    const f = await failure(options(c));
    const notAfter = new Date(new (await import('node:crypto')).X509Certificate(c.chain[1]?.der ?? Buffer.alloc(0)).validTo);
    expect(f.message).toContain("intermediate CA certificate 'CN=Test Int, O=Keyport Test' expired on");
    expect(f.message).toContain(notAfter.toISOString());
  });

  it('lists the names the certificate has on a hostname mismatch', async () => {
    const f = await failure(options(find('wrong host')));
    expect(f.message).toContain('DNS:good.example, IP:127.0.0.1, IP:::1');
    expect(f.message).toContain("not 'other.example'");
  });

  it.each(['[::1]', '0:0:0:0:0:0:0:1', '::0:1', '127.0.0.1'])('matches the IP literal %s byte for byte', async (host) => {
    await expect(verifyServerChain(options(find('EC root > intermediate > leaf'), { servername: host }))).resolves.toBeDefined();
  });

  it.each(['::2', '::ffff:127.0.0.1', '127.0.0.01'])('refuses the IP literal %s', async (host) => {
    const f = await failure(options(find('EC root > intermediate > leaf'), { servername: host }));
    expect(f.code).toBe('KEYPORT_TLS_HOSTNAME_MISMATCH');
  });

  it('skips the hostname check without a servername', async () => {
    await expect(verifyServerChain(options(find('wrong host'), { servername: undefined }))).resolves.toBeDefined();
  });

  it('validates at the given time', async () => {
    const c = find('EC root > intermediate > leaf');
    const later = new Date(Date.now() + 3 * 365 * 86_400_000);
    expect((await failure(options(c, { now: later }))).code).toBe('KEYPORT_TLS_CERT_EXPIRED');
  });

  it('checks clientAuth when asked to', async () => {
    const c = find('leaf EKU clientAuth only');
    await expect(verifyServerChain(options(c, { purpose: 'clientAuth' }))).resolves.toBeDefined();
    expect((await failure(options(find('EC root > intermediate > leaf'), { purpose: 'clientAuth' }))).code).toBe(
      'KEYPORT_TLS_BAD_CERTIFICATE',
    );
  });

  it('can use the system store, which does not hold the test roots', async () => {
    const c = find('EC root > intermediate > leaf');
    const f = await failure(options(c, { trustAnchors: [], useSystemStore: true }));
    expect(f.code).toBe('KEYPORT_TLS_UNKNOWN_CA');
  });

  it('refuses an empty or unreadable chain and unreadable anchors with clear errors', async () => {
    const c = find('EC root > intermediate > leaf');
    expect((await failure(options(c, { chain: [] }))).code).toBe('KEYPORT_TLS_BAD_CERTIFICATE');
    const garbled = await failure(options(c, { chain: [Buffer.from('30030201', 'hex')] }));
    expect(garbled).toEqual({
      code: 'KEYPORT_TLS_BAD_CERTIFICATE',
      message: "The server's certificate is unusable: it is not a valid X.509 certificate.",
    });
    const anchor = await failure(options(c, { trustAnchors: [Buffer.from('not a certificate')] }));
    expect(anchor.code).toBe('KEYPORT_CERT_INVALID');
  });
});
