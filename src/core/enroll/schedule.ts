import { createHash } from 'node:crypto';
import type { IdentityRecord } from '../identities/schema';
import { parseCertificate } from '../pki/certificate';
import type { RenewalSettings } from './settings';

/** Jitter spreads renewals of many identities: up to this share of the lifetime either way. */
export const JITTER_SHARE = 0.03;

/** When the scheduler renews an identity, and why it would not. */
export interface Schedule {
  notBefore: Date;
  notAfter: Date;
  /** `at` of the lifetime, plus this certificate's jitter. */
  dueAt: Date;
  /** dueAt, or later while backing off after a failure. */
  nextRunAt: Date;
}

/**
 * The schedule of an identity's current certificate. The jitter comes from a hash of the identity and
 * the serial, so it stays the same across restarts (a restart never postpones a renewal).
 */
export function scheduleOf(record: IdentityRecord, settings: RenewalSettings): Schedule {
  const leaf = parseCertificate(Buffer.from(record.chain[0]!, 'base64'));
  const start = leaf.notBefore.getTime();
  const lifetime = leaf.notAfter.getTime() - start;
  const seed = createHash('sha256').update(`${record.id}:${leaf.serial}`).digest().readUInt32BE(0) / 0xffffffff;
  const share = Math.min(0.95, Math.max(0.05, settings.at + (seed * 2 - 1) * JITTER_SHARE));
  const dueAt = new Date(start + lifetime * share);
  const retry = settings.state.retryAfter ? new Date(settings.state.retryAfter) : undefined;
  const nextRunAt = retry && retry > dueAt ? retry : dueAt;
  return { notBefore: leaf.notBefore, notAfter: leaf.notAfter, dueAt, nextRunAt };
}
