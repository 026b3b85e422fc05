import * as z from 'zod';

/** Where a key lives, as the registry stores it (no secret). */
export const KeyRefSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('keychain'), keyId: z.string().min(1) }),
  z.object({
    kind: z.literal('pkcs11'),
    module: z.string().min(1),
    token: z.string(),
    keyId: z.string().regex(/^[0-9a-f]+$/),
  }),
]);
