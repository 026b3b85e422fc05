import { createHash } from 'node:crypto';
import type { TokenModuleView } from '../../shared/identity';
import type { Pkcs11KeyStore } from '../keystores/pkcs11';
import type { ModuleSummary } from '../tokenhost/protocol';
import type { IdentityRecord } from './schema';

/** Identities found on tokens get ids of this form, derived from the certificate, stable across runs. */
export const TOKEN_ID_PREFIX = 'p11-';

/**
 * Identities that already live on a token (a YubiKey PIV slot, a smartcard, a TPM token another tool
 * filled): each certificate object with a CKA_ID, paired with the key of the same id. Certificates are
 * public objects, so no PIN is needed to list them.
 */
export async function tokenIdentityRecords(store: Pkcs11KeyStore): Promise<IdentityRecord[]> {
  const groups = await store.findObjects();
  return groups.flatMap((g) =>
    g.certificates.map((cert) => {
      const der = Buffer.from(cert.der);
      const fingerprint = createHash('sha256').update(der).digest('hex');
      return {
        id: `${TOKEN_ID_PREFIX}${fingerprint.slice(0, 12)}`,
        label: cert.label || g.label,
        source: 'token',
        chain: [der.toString('base64')],
        key: { kind: 'pkcs11', module: g.module, token: g.token, keyId: g.keyId },
        createdAt: '',
        updatedAt: '',
        history: [],
      } satisfies IdentityRecord;
    }),
  );
}

/** The host's module summary in the shape `keyport tokens` and the UI show. */
export function tokenModuleView(m: ModuleSummary): TokenModuleView {
  return {
    module: m.module,
    ...(m.error ? { error: m.error } : {}),
    slots: m.slots.map((s) => ({
      slotId: s.slotId,
      description: s.description,
      tokenPresent: s.token !== undefined || s.unrecognizedToken === true,
      ...(s.unrecognizedToken ? { unrecognized: true } : {}),
      ...(s.token
        ? {
            token: {
              label: s.token.label,
              manufacturer: s.token.manufacturer,
              model: s.token.model,
              serialNumber: s.token.serial,
              loggedIn: s.token.loggedIn,
              loginRequired: s.token.flags.loginRequired,
              pinCountLow: s.token.flags.userPinCountLow,
              pinFinalTry: s.token.flags.userPinFinalTry,
              pinLocked: s.token.flags.userPinLocked,
            },
          }
        : {}),
    })),
  };
}
