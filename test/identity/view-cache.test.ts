/**
 * identityView parses each distinct leaf certificate once (leafFacts): a warm view must equal the
 * view computed straight from the certificate, the status must still follow `now`, and a renewed
 * certificate under the same identity id must show its own serial and validity.
 */
import { webcrypto } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { IdentityView } from '../../src/shared/identity';
import { isKeyportError } from '../../src/shared/errors';
import type { IdentityRecord } from '../../src/core/identities/schema';
import { certificateStatus, identityView, keyStoreView } from '../../src/core/identities/view';
import { parseCertificate } from '../../src/core/pki/certificate';
import * as x509 from '../../src/core/pki/x509';

const DAY = 86_400_000;
const EC = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const keys = webcrypto.subtle.generateKey(EC, false, ['sign', 'verify']) as Promise<CryptoKeyPair>;

/** A base64 DER leaf valid from `notBefore` to `notAfter`, with two SANs. */
async function leaf(serial: string, notBefore: Date, notAfter: Date): Promise<string> {
  const k = await keys;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial,
    subject: 'CN=alice, O=Example',
    issuer: 'CN=Example CA',
    notBefore,
    notAfter,
    signingAlgorithm: EC,
    publicKey: k.publicKey,
    signingKey: k.privateKey,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'alice.example' }, { type: 'ip', value: '127.0.0.1' }])],
  });
  return Buffer.from(cert.rawData).toString('base64');
}

function record(id: string, chain: string[]): IdentityRecord {
  const stamp = '2026-01-01T00:00:00.000Z';
  return { id, label: `label ${id}`, source: 'pem', chain, key: { kind: 'keychain', keyId: `k${id}` }, createdAt: stamp, updatedAt: stamp, history: [] };
}

/** The view as identityView computed it before the cache: every field straight from a fresh parse. */
function uncachedView(r: IdentityRecord, now: Date): IdentityView {
  const info = parseCertificate(Buffer.from(r.chain[0]!, 'base64'));
  return {
    id: r.id,
    label: r.label,
    subject: info.subject,
    sans: info.sans,
    issuer: info.issuer,
    serial: info.serial,
    notBefore: info.notBefore.toISOString(),
    notAfter: info.notAfter.toISOString(),
    fingerprintSha256: info.fingerprintSha256,
    keyAlgorithm: info.keyAlgorithm,
    keyStore: keyStoreView(r.key),
    status: certificateStatus(info, now),
    source: r.source,
    chainLength: r.chain.length,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

describe('identityView with the leaf cache', () => {
  it('gives the uncached view cold and warm, from a fresh copy of the stored string too', async () => {
    const now = new Date();
    const der = await leaf('0a1b', new Date(now.getTime() - DAY), new Date(now.getTime() + 90 * DAY));
    const r = record('one', [der, der]);
    const expected = uncachedView(r, now);
    expect(expected.sans).toEqual(['DNS:alice.example', 'IP:127.0.0.1']);
    expect(identityView(r, now)).toEqual(expected);
    expect(identityView(r, now)).toEqual(expected);
    // Records are re-read from disk: an equal string that is another object hits the same entry.
    expect(identityView(record('one', [(' ' + der).slice(1), der]), now)).toEqual(expected);
  });

  it('computes the status at each `now` on a warm entry', async () => {
    const start = new Date('2026-01-01T00:00:00Z');
    const end = new Date(start.getTime() + 365 * DAY);
    const r = record('clock', [await leaf('0c', start, end)]);
    const at = (t: number) => new Date(t);
    const cases: Array<[Date, string]> = [
      [at(start.getTime() - 1), 'not-yet-valid'],
      [at(start.getTime()), 'valid'],
      [at(end.getTime() - 30 * DAY), 'valid'],
      [at(end.getTime() - 30 * DAY + 1), 'expiring'],
      [at(end.getTime() - 1), 'expiring'],
      [at(end.getTime()), 'expired'],
    ];
    identityView(r, start);
    for (const [now, status] of cases) {
      const view = identityView(r, now);
      expect({ now: now.toISOString(), status: view.status }).toEqual({ now: now.toISOString(), status });
      expect(view).toEqual(uncachedView(r, now));
    }
  });

  it('shows a renewed certificate under the same id, never the cached one it replaced', async () => {
    const now = new Date();
    const old = record('renewed', [await leaf('01', new Date(now.getTime() - 400 * DAY), new Date(now.getTime() - DAY))]);
    const before = identityView(old, now);
    expect(before).toMatchObject({ serial: '01', status: 'expired' });
    const renewed = { ...old, chain: [await leaf('02', new Date(now.getTime() - DAY), new Date(now.getTime() + 364 * DAY))] };
    const after = identityView(renewed, now);
    expect(after).toEqual(uncachedView(renewed, now));
    expect(after).toMatchObject({ id: 'renewed', serial: '02', status: 'valid' });
    expect(after.notAfter).not.toBe(before.notAfter);
    expect(after.fingerprintSha256).not.toBe(before.fingerprintSha256);
    // And back: the old entry is still right for a record that still holds the old leaf.
    expect(identityView(old, now)).toEqual(before);
  });

  it('hands each caller its own sans array', async () => {
    const now = new Date();
    const r = record('sans', [await leaf('05', new Date(now.getTime() - DAY), new Date(now.getTime() + DAY * 90))]);
    identityView(r, now).sans.push('DNS:injected.example');
    expect(identityView(r, now).sans).toEqual(['DNS:alice.example', 'IP:127.0.0.1']);
  });

  it('throws KEYPORT_CERT_INVALID naming the identity on every call for an unreadable leaf', () => {
    const broken = record('broken', ['AAAA']);
    for (let i = 0; i < 2; i++) {
      let error: unknown;
      try {
        identityView(broken);
      } catch (e) {
        error = e;
      }
      expect(isKeyportError(error, 'KEYPORT_CERT_INVALID')).toBe(true);
      expect((error as Error).message).toContain('identity broken');
    }
  });
});
