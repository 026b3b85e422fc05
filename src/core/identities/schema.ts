import * as z from 'zod';
import { HistoryEntrySchema, RenewalSettingsSchema } from '../enroll/settings';
import { KeyRefSchema } from './key-ref';

export { KeyRefSchema };

/**
 * The registry's on-disk schema. Bump SCHEMA_VERSION and add a migration (./migrations.ts) when the
 * shape changes. v2: renewal settings (src/core/enroll/settings.ts), certificate history, and the
 * journal of key operations in progress.
 */
export const SCHEMA_VERSION = 2;

export const IdentityRecordSchema = z.object({
  id: z.string().min(1),
  label: z.string(),
  source: z.string(),
  /** Base64 DER certificates, leaf first. Public material only. */
  chain: z.array(z.string().min(1)).min(1),
  key: KeyRefSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
  renewal: RenewalSettingsSchema.optional(),
  /** Certificates this identity had before, newest last. */
  history: z.array(HistoryEntrySchema).default([]),
});

/** A key made by `keyport keygen`, waiting for `keyport attach` to give it a certificate. */
export const PendingKeySchema = z.object({
  id: z.string().min(1),
  key: KeyRefSchema,
  algorithm: z.string(),
  /** Base64 SubjectPublicKeyInfo DER. */
  publicKeySpki: z.string(),
  subject: z.string(),
  sans: z.array(z.string()),
  createdAt: z.string(),
});

/**
 * A key operation in progress (enroll or rekey), journaled before any key is made so that a crash at
 * any step is finished or undone on the next start (src/core/enroll/journal.ts): `keyLabels` find a
 * key made but not yet recorded, `newKeys` are the keys being introduced, `retireKey` is the key a
 * committed rekey retires.
 */
export const KeyOperationSchema = z.object({
  id: z.string().min(1),
  kind: z.enum(['enroll', 'rekey']),
  identityId: z.string().optional(),
  store: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('keychain') }),
    z.object({ kind: z.literal('pkcs11'), token: z.string() }),
  ]),
  keyLabels: z.array(z.string().min(1)).default([]),
  newKeys: z.array(KeyRefSchema).default([]),
  retireKey: KeyRefSchema.optional(),
  startedAt: z.string(),
});

export const RegistryFileSchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  identities: z.array(IdentityRecordSchema),
  pendingKeys: z.array(PendingKeySchema),
  operations: z.array(KeyOperationSchema).default([]),
});

export type IdentityRecord = z.infer<typeof IdentityRecordSchema>;
export type PendingKey = z.infer<typeof PendingKeySchema>;
export type KeyOperation = z.infer<typeof KeyOperationSchema>;
export type RegistryFile = z.infer<typeof RegistryFileSchema>;
