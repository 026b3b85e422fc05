/**
 * The verifier's caches (parsed certificates, trust stores, verified signatures) must not change any
 * verdict: per-call checks (dates at `now`, hostname, purpose, anchors) still run on a warm cache,
 * and a caller reusing its Buffers cannot change what the cache holds.
 */
import { X509Certificate } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { isKeyportError } from '../../src/shared/errors';
import { verifyServerChain, type VerifyServerChainOptions } from '../../src/core/pki/verify';
import { BoundedMap } from '../../src/core/bounded-map';
import { parseCertCached } from '../../src/core/pki/verify/cert-cache';
import { buildCorpus, type Case } from './corpus';
import { TestPki } from './openssl-pki';

const pki = new TestPki();
const cases = buildCorpus(pki);
afterAll(() => pki.dispose());

const DAY = 86_400_000;

function find(name: string): Case {
  const c = cases.find((x) => x.name === name);
  if (!c) throw new Error(`no corpus case named ${name}`);
  return c;
}

/** Fresh Buffers every time, as a TLS client gets them off the wire. */
function options(c: Case, extra: Partial<VerifyServerChainOptions> = {}): VerifyServerChainOptions {
  return {
    chain: c.chain.map((x) => Buffer.from(x.der)),
    trustAnchors: c.anchors.map((a) => Buffer.from(a.der)),
    servername: c.host,
    ...extra,
  };
}

/** "ok" or "CODE: message". */
async function outcome(o: VerifyServerChainOptions): Promise<string> {
  try {
    const v = await verifyServerChain(o);
    return `ok: ${v.anchorSubject} (${v.path.length})`;
  } catch (e) {
    if (!isKeyportError(e)) throw e;
    return `${e.code}: ${e.message}`;
  }
}

describe('verifier caches', () => {
  it('give every corpus case the same outcome cold, warm and in reverse order', async () => {
    // One clock for all passes: expiry messages quote it.
    const now = new Date();
    const cold = await Promise.all(cases.map((c) => outcome(options(c, { now }))));
    const warm = await Promise.all(cases.map((c) => outcome(options(c, { now }))));
    const reversed = (await Promise.all([...cases].reverse().map((c) => outcome(options(c, { now }))))).reverse();
    expect(warm).toEqual(cold);
    expect(reversed).toEqual(cold);
    // The cold pass is meaningful: both outcomes occur.
    expect(cold.filter((o) => o.startsWith('ok')).length).toBeGreaterThan(10);
    expect(cold.filter((o) => !o.startsWith('ok')).length).toBeGreaterThan(10);
  });

  it('still rejects a cached chain at a later or earlier time', async () => {
    const c = find('EC root > intermediate > leaf');
    expect(await outcome(options(c))).toMatch(/^ok/);
    const later = await outcome(options(c, { now: new Date(Date.now() + 3 * 365 * DAY) }));
    expect(later).toMatch(/^KEYPORT_TLS_CERT_EXPIRED: .* expired on /);
    const earlier = await outcome(options(c, { now: new Date(Date.now() - 30 * DAY) }));
    expect(earlier).toMatch(/^KEYPORT_TLS_CERT_EXPIRED: .* is not valid until /);
    expect(await outcome(options(c))).toMatch(/^ok/);
  });

  it('still checks the hostname and the purpose of a cached chain', async () => {
    const c = find('EC root > intermediate > leaf');
    expect(await outcome(options(c))).toMatch(/^ok/);
    expect(await outcome(options(c, { servername: 'other.example' }))).toMatch(
      /^KEYPORT_TLS_HOSTNAME_MISMATCH: .*not 'other.example'/,
    );
    expect(await outcome(options(c, { purpose: 'clientAuth' }))).toMatch(/^KEYPORT_TLS_BAD_CERTIFICATE/);
    expect(await outcome(options(c))).toMatch(/^ok/);
  });

  it('uses the anchors of each call, not those of an earlier one', async () => {
    const c = find('EC root > intermediate > leaf');
    const other = find('RSA root, RSA-PSS signed intermediate and leaf');
    expect(await outcome(options(c))).toMatch(/^ok/);
    const foreign = other.anchors.map((a) => Buffer.from(a.der));
    expect(await outcome(options(c, { trustAnchors: foreign }))).toMatch(/^KEYPORT_TLS_UNKNOWN_CA/);
    expect(await outcome(options(c, { trustAnchors: [], useSystemStore: false }))).toMatch(/^KEYPORT_TLS_UNKNOWN_CA/);
    expect(await outcome(options(c))).toMatch(/^ok/);
  });

  it('does not let a verified signature stand for a tampered one', async () => {
    expect(await outcome(options(find('EC root > intermediate > leaf')))).toMatch(/^ok/);
    expect(await outcome(options(find('leaf signature tampered')))).toMatch(
      /^KEYPORT_TLS_BAD_CERTIFICATE: .*signature that does not verify/,
    );
  });

  it('is not changed by callers reusing their Buffers or the returned path', async () => {
    const c = find('three levels, intermediates out of order');
    const o = options(c);
    const v = await verifyServerChain(o);
    for (const b of [...o.chain, ...o.trustAnchors, ...v.path]) b.fill(0);
    const again = await verifyServerChain(options(c));
    expect(again.leafPublicKey.equals(new X509Certificate(c.chain[0]?.der ?? Buffer.alloc(0)).publicKey)).toBe(true);
    expect(again.path.map((b) => b.toString('hex'))).toEqual(
      [c.chain[0], c.chain[2], c.chain[1], c.anchors[0]].map((x) => x?.der.toString('hex')),
    );
  });

  it('parses a certificate once whatever Buffer holds it', () => {
    const der = find('EC root > intermediate > leaf').chain[0]?.der ?? Buffer.alloc(0);
    const first = parseCertCached(Buffer.from(der));
    expect(parseCertCached(Buffer.from(der))).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
  });
});

describe('BoundedMap', () => {
  it('drops the least recently used entry beyond its limit', () => {
    const m = new BoundedMap<string, number>(2);
    m.set('a', 1);
    m.set('b', 2);
    expect(m.get('a')).toBe(1);
    m.set('c', 3);
    expect(m.size).toBe(2);
    expect(m.get('b')).toBeUndefined();
    expect(m.get('a')).toBe(1);
    expect(m.get('c')).toBe(3);
  });
});
