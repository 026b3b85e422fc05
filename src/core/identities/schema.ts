import { z } from 'zod';

/** The registry's on-disk schema. Bump SCHEMA_VERSION and add a migration when the shape changes. */
export const SCHEMA_VERSION = 1;

export const KeyRefSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('keychain'), keyId: z.string().min(1) }),
  z.object({
    kind: z.literal('pkcs11'),
    module: z.string().min(1),
    token: z.string(),
    keyId: z.string().regex(/^[0-9a-f]+$/),
  }),
]);

/** Renewal settings live with the identity; the enroll issue fills them in. */
export const RenewalSchema = z
  .object({
    method: z.string(),
    renewBeforeDays: z.number().positive().optional(),
    lastAttempt: z.string().optional(),
    lastError: z.string().optional(),
  })
  .passthrough();

export const IdentityRecordSchema = z.object({
  id: z.string().min(1),
  label: z.string(),
  source: z.string(),
  /** Base64 DER certificates, leaf first. Public material only. */
  chain: z.array(z.string().min(1)).min(1),
  key: KeyRefSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
  renewal: RenewalSchema.optional(),
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

export const RegistryFileSchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  identities: z.array(IdentityRecordSchema),
  pendingKeys: z.array(PendingKeySchema),
});

export type IdentityRecord = z.infer<typeof IdentityRecordSchema>;
export type PendingKey = z.infer<typeof PendingKeySchema>;
export type RegistryFile = z.infer<typeof RegistryFileSchema>;
