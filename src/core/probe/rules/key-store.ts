import type { Diagnosis } from '../../../shared/diagnoses';
import type { ProbeFacts } from '../facts';
import { diagnosis, type Rules } from './common';

const UNAVAILABLE = new Set([
  'KEYPORT_TOKEN_REMOVED',
  'KEYPORT_TOKEN_NOT_FOUND',
  'KEYPORT_TOKEN_ERROR',
  'KEYPORT_KEY_NOT_ON_TOKEN',
  'KEYPORT_TOKENHOST_CRASHED',
  'KEYPORT_TOKENHOST_TIMEOUT',
  'KEYPORT_PKCS11_MODULE_INVALID',
  'KEYPORT_PKCS11_MODULE_NOT_FOUND',
  'KEYPORT_KEYCHAIN_UNAVAILABLE',
  'KEYPORT_KEYCHAIN_LOCKED',
  'KEYPORT_KEYCHAIN_KEY_MISSING',
  'KEYPORT_SIGN_FAILED',
]);

/** The identity's key could not sign: token gone, PIN missing or wrong, keychain locked. */
export const keyStoreRules: Rules = (f) => {
  const code = f.failure?.code;
  if (!code) return [];
  if (code === 'KEYPORT_PIN_REQUIRED') return [pinRequired(f)];
  if (code === 'KEYPORT_PIN_INCORRECT' || code === 'KEYPORT_PIN_LOCKED') return [pinIncorrect(f)];
  if (UNAVAILABLE.has(code)) return [unavailable(f)];
  return [];
};

/** "token "ci" (module /usr/lib/...)" or "the OS keychain". */
function storeName(f: ProbeFacts): string {
  const store = f.identity?.store;
  if (store?.kind === 'pkcs11') return `token "${store.token}" (module ${store.module})`;
  return store?.kind === 'keychain' ? 'the OS keychain' : "the identity's key store";
}

function pinRequired(f: ProbeFacts): Diagnosis {
  return diagnosis(
    'pin-required',
    `The key of ${f.identity?.id ?? 'the identity'} is on ${storeName(f)}, which needs its PIN to sign, and none was given: ${f.failure!.message}`,
    'Give the PIN with --pin-file FILE or KEYPORT_PIN, or run keyport test in a terminal to be asked for it.',
  );
}

function pinIncorrect(f: ProbeFacts): Diagnosis {
  const locked = f.failure!.code === 'KEYPORT_PIN_LOCKED';
  return diagnosis(
    'pin-incorrect',
    `${storeName(f)} ${locked ? 'has locked its PIN' : 'rejected the PIN'}: ${f.failure!.message}`,
    locked
      ? "Unlock the token with its SO PIN or PUK (the token vendor's tool), then try again."
      : 'Check the PIN in --pin-file or KEYPORT_PIN; a token locks itself after a few wrong tries, so do not retry blindly.',
  );
}

function unavailable(f: ProbeFacts): Diagnosis {
  const keychain = f.identity?.store.kind === 'keychain' || f.failure!.code.startsWith('KEYPORT_KEYCHAIN');
  return diagnosis(
    'token-unavailable',
    `The key of ${f.identity?.id ?? 'the identity'} cannot sign: ${storeName(f)} is not available (${f.failure!.message})`,
    keychain
      ? 'Unlock the OS keychain (log in to the desktop session, or unlock it with your keyring tool), then try again.'
      : 'Plug the token in (or check that its module and reader work: keyport tokens), then try again.',
  );
}
