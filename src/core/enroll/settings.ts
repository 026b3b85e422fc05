/**
 * What Keyport stores per identity about its renewal (in the registry, schema v2): the provider and
 * its parameters (never a secret: no token, no EAB HMAC, no PIN), when to renew, and the scheduler's
 * last result. The certificates an identity had before are kept in its `history`.
 */
import * as z from 'zod';
import { KeyRefSchema } from '../identities/key-ref';

/** Default share of a certificate's lifetime after which it is renewed. */
export const DEFAULT_RENEW_AT = 0.66;

export const StepCaSettingsSchema = z.object({
  kind: z.literal('step-ca'),
  /** https URL of the CA, e.g. https://127.0.0.1:9000 */
  caUrl: z.string().url(),
  /** Trust bundle file in the data dir (trust/<name>.pem), refreshed from GET /roots. */
  bundle: z.string().min(1),
});

export const AcmeSettingsSchema = z.object({
  kind: z.literal('acme'),
  directory: z.string().url(),
  /** Trust bundle file in the data dir for the ACME server's HTTPS (when not a public CA). */
  bundle: z.string().min(1).optional(),
  domains: z.array(z.string().min(1)).min(1),
  /** The account key, in a Keyport store; its account URL once registered. */
  accountKey: KeyRefSchema.optional(),
  accountUrl: z.string().url().optional(),
  /** How names are proven (acme helper): http-01 served on loopback `httpPort`, or dns-01 by the user. */
  challenge: z.enum(['http-01', 'dns-01']).default('http-01'),
  httpPort: z.number().int().min(1).max(65535).default(80),
});

/** Certificates from elsewhere (`export --csr` out, `attach` in): Keyport only reminds. */
export const ManualSettingsSchema = z.object({ kind: z.literal('manual') });

export const ProviderSettingsSchema = z.discriminatedUnion('kind', [
  StepCaSettingsSchema,
  AcmeSettingsSchema,
  ManualSettingsSchema,
]);

/** The scheduler's memory of one identity (survives restarts, so catch-up and backoff do too). */
export const RenewalStateSchema = z.object({
  lastAttemptAt: z.string().optional(),
  lastSuccessAt: z.string().optional(),
  lastError: z.object({ code: z.string(), message: z.string() }).optional(),
  /** Consecutive failures, for the backoff. */
  failures: z.number().int().nonnegative().default(0),
  /** No attempt before this time (backoff after a failure). */
  retryAfter: z.string().optional(),
  /** Set when the certificate expired before it could be renewed: only a new enrollment helps. */
  needsReenroll: z.boolean().default(false),
});

export const RenewalSettingsSchema = z.object({
  provider: ProviderSettingsSchema,
  /** Renew once this share of the lifetime has passed (0 < at < 1). */
  at: z.number().gt(0).lt(1).default(DEFAULT_RENEW_AT),
  /** Make a new key at each renewal (POST /1.0/rekey) instead of keeping it. */
  rekey: z.boolean().default(false),
  /** Reminder thresholds before expiry, in seconds (default 7 days and 1 day; expiry always notifies). */
  notifyBefore: z.array(z.number().positive()).default([7 * 86_400, 86_400]),
  state: RenewalStateSchema.default({ failures: 0, needsReenroll: false }),
});

/** A certificate the identity had before, kept when a renewal replaced it. */
export const HistoryEntrySchema = z.object({
  /** Base64 DER, leaf first. */
  chain: z.array(z.string().min(1)).min(1),
  serial: z.string(),
  notAfter: z.string(),
  retiredAt: z.string(),
  reason: z.enum(['renew', 'rekey', 'attach']),
  /** The key the certificate was for, when a rekey retired it (already deleted from its store). */
  key: KeyRefSchema.optional(),
});

export type ProviderSettings = z.infer<typeof ProviderSettingsSchema>;
export type RenewalSettings = z.infer<typeof RenewalSettingsSchema>;
export type RenewalState = z.infer<typeof RenewalStateSchema>;
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;
