import type { KeyStoreView } from '../../../shared/identity';
import type { BadgeTone } from '../../components/Badge';

/** What kind of device holds a key, as the badge names it. */
export interface KeyStoreKind {
  label: 'Keychain' | 'SoftHSM' | 'HSM' | 'TPM' | 'Smartcard';
  tone: BadgeTone;
  /** A sentence saying where the key lives. */
  where: string;
}

/** Names the device behind a key store; the PKCS#11 module's file name tells SoftHSM, TPM and smartcards apart. */
export function keyStoreKind(store: KeyStoreView): KeyStoreKind {
  if (store.kind === 'keychain') return { label: 'Keychain', tone: 'keychain', where: 'In the OS keychain of this computer' };
  const module = store.module.toLowerCase();
  const where = `On PKCS#11 token “${store.token}” (${store.module})`;
  if (module.includes('softhsm')) return { label: 'SoftHSM', tone: 'hsm', where };
  if (module.includes('tpm')) return { label: 'TPM', tone: 'tpm', where };
  if (/opensc|piv|ykcs11|yubi|smartcard|coolkey|cackey/.test(module)) return { label: 'Smartcard', tone: 'card', where };
  return { label: 'HSM', tone: 'hsm', where };
}
