import * as z from 'zod';

/** One upstream session as the audit log keeps it: who went where, not what was said. */
export const AuditEntrySchema = z.object({
  time: z.string(),
  route: z.string(),
  identity: z.string().optional(),
  serial: z.string().optional(),
  upstream: z.string(),
  resumed: z.boolean(),
  bytesUp: z.number(),
  bytesDown: z.number(),
  durationMs: z.number(),
  /** `ok` or a KEYPORT_ error code. */
  result: z.string(),
});

export type AuditEntry = z.infer<typeof AuditEntrySchema>;
