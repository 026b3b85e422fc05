import type { IdentityStatus, IdentityView, KeyStoreView } from '../../shared/identity';
import type { KeyRef } from '../keystores/types';
import type { CertificateInfo } from '../pki/certificate';
import { leafFacts } from './leaf-facts';
import type { IdentityRecord } from './schema';

const DAY_MS = 86_400_000;

/**
 * A certificate is "expiring" once less than 30 days, or less than a third of its lifetime (for
 * short-lived certificates), remain: the point where renewal should already have happened.
 */
export function certificateStatus(info: Pick<CertificateInfo, 'notBefore' | 'notAfter'>, now = new Date()): IdentityStatus {
  const t = now.getTime();
  const start = info.notBefore.getTime();
  const end = info.notAfter.getTime();
  if (t < start) return 'not-yet-valid';
  if (t >= end) return 'expired';
  const margin = Math.min(30 * DAY_MS, (end - start) / 3);
  return end - t < margin ? 'expiring' : 'valid';
}

/** What a caller may see of a key's location: never the key id inside a keychain. */
export function keyStoreView(ref: KeyRef): KeyStoreView {
  return ref.kind === 'keychain' ? { kind: 'keychain' } : { kind: 'pkcs11', module: ref.module, token: ref.token };
}

/**
 * The public view of a stored identity, derived from its leaf certificate. The certificate's facts
 * are parsed once per distinct leaf (see leafFacts); the status at `now` and the record's own
 * fields are read on every call.
 */
export function identityView(record: IdentityRecord, now = new Date()): IdentityView {
  const leaf = leafFacts(record.chain[0]!, `the certificate of identity ${record.id}`);
  const validity = { notBefore: new Date(leaf.notBefore), notAfter: new Date(leaf.notAfter) };
  return {
    id: record.id,
    label: record.label,
    subject: leaf.subject,
    sans: [...leaf.sans],
    issuer: leaf.issuer,
    serial: leaf.serial,
    notBefore: validity.notBefore.toISOString(),
    notAfter: validity.notAfter.toISOString(),
    fingerprintSha256: leaf.fingerprintSha256,
    keyAlgorithm: leaf.keyAlgorithm,
    keyStore: keyStoreView(record.key),
    status: certificateStatus(validity, now),
    source: record.source,
    chainLength: record.chain.length,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}
