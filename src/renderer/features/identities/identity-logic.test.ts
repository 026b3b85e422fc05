import { describe, expect, it } from 'vitest';
import type { IdentityView } from '../../../shared/identity';
import { expiryOf, relativeTime } from './expiry';
import { countByFilter, filterIdentities, searchText } from './filter';
import { keyStoreKind } from './key-store';

const DAY = 86_400_000;
const NOW = Date.parse('2026-06-01T00:00:00Z');

function identity(over: Partial<IdentityView>): IdentityView {
  return {
    id: 'id1',
    label: 'alice laptop',
    subject: 'CN=alice,O=Example',
    sans: ['alice.example.com'],
    issuer: 'CN=Example CA',
    serial: '0abc',
    notBefore: new Date(NOW - 30 * DAY).toISOString(),
    notAfter: new Date(NOW + 300 * DAY).toISOString(),
    fingerprintSha256: 'ff',
    keyAlgorithm: 'EC-P256',
    keyStore: { kind: 'keychain' },
    status: 'valid',
    source: 'pkcs12',
    chainLength: 2,
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
    ...over,
  };
}

describe('expiry countdown', () => {
  it('says the largest whole unit, both ways', () => {
    expect(relativeTime(3 * DAY + 5000)).toBe('in 3 days');
    expect(relativeTime(-2 * 3_600_000)).toBe('2 hours ago');
    expect(relativeTime(20_000)).toBe('now');
  });

  it('colours by status: valid green, expiring amber, expired red, not yet valid grey', () => {
    expect(expiryOf(identity({}), NOW)).toEqual({ text: 'in 10 months', tone: 'success' });
    expect(expiryOf(identity({ status: 'expiring', notAfter: new Date(NOW + 5 * DAY).toISOString() }), NOW)).toEqual({ text: 'in 5 days', tone: 'warning' });
    expect(expiryOf(identity({ status: 'expired', notAfter: new Date(NOW - DAY).toISOString() }), NOW)).toEqual({ text: 'yesterday', tone: 'danger' });
    expect(expiryOf(identity({ status: 'not-yet-valid', notBefore: new Date(NOW + 2 * 3_600_000).toISOString() }), NOW)).toEqual({ text: 'starts in 2 hours', tone: 'neutral' });
  });
});

describe('identity filter and search', () => {
  const list = [
    identity({ id: 'a' }),
    identity({ id: 'b', label: 'prod api', subject: 'CN=svc', sans: ['api.prod.internal'], status: 'expiring' }),
    identity({ id: 'c', label: 'old', status: 'expired', keyStore: { kind: 'pkcs11', module: '/usr/lib/softhsm/libsofthsm2.so', token: 'ci-token' } }),
  ];
  const texts = new Map(list.map((i) => [i.id, searchText(i)]));
  const ids = (shown: IdentityView[]) => shown.map((i) => i.id);

  it('matches every word, case-insensitively, across label, subject, SANs and key store', () => {
    expect(ids(filterIdentities(list, texts, 'all', 'API PROD'))).toEqual(['b']);
    expect(ids(filterIdentities(list, texts, 'all', 'ci-token'))).toEqual(['c']);
    expect(ids(filterIdentities(list, texts, 'all', '  '))).toEqual(['a', 'b', 'c']);
    expect(ids(filterIdentities(list, texts, 'all', 'nothing-like-this'))).toEqual([]);
  });

  it('filters by status; "needs attention" is expiring or expired', () => {
    expect(ids(filterIdentities(list, texts, 'attention', ''))).toEqual(['b', 'c']);
    expect(ids(filterIdentities(list, texts, 'valid', ''))).toEqual(['a']);
    expect(countByFilter(list)).toEqual({ all: 3, attention: 2, valid: 1, expiring: 1, expired: 1, 'not-yet-valid': 0 });
  });
});

describe('key-store badge', () => {
  it('tells the keychain, SoftHSM, TPM, smartcards and other HSMs apart by module', () => {
    const kind = (module: string) => keyStoreKind({ kind: 'pkcs11', module, token: 't' }).label;
    expect(keyStoreKind({ kind: 'keychain' }).label).toBe('Keychain');
    expect(kind('/usr/lib/softhsm/libsofthsm2.so')).toBe('SoftHSM');
    expect(kind('/usr/lib/x86_64-linux-gnu/pkcs11/libtpm2_pkcs11.so')).toBe('TPM');
    expect(kind('/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so')).toBe('Smartcard');
    expect(kind('/opt/vendor/libcloudhsm.so')).toBe('HSM');
  });
});
