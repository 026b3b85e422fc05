/**
 * CKR_* to KeyportError mapping for the return values the test bed cannot provoke on demand
 * (a card pulled out, a locked PIN, a dead device), using pkcs11js's own error class.
 */
import * as pkcs11 from 'pkcs11js';
import { describe, expect, it } from 'vitest';
import { mapPkcs11Error } from '../../src/core/tokenhost/ckr';

const ckr = (name: string): Error => new pkcs11.Pkcs11Error(`${name}:${(pkcs11 as unknown as Record<string, number>)[name]}`);
const ctx = { token: 'YubiKey PIV', activity: 'signing' };

describe('mapPkcs11Error', () => {
  it.each([
    ['CKR_PIN_INCORRECT', 'KEYPORT_PIN_INCORRECT', 'Cannot log in to token "YubiKey PIV": wrong PIN; enter the right PIN.'],
    ['CKR_PIN_LOCKED', 'KEYPORT_PIN_LOCKED', 'Token "YubiKey PIV" has locked its user PIN after too many wrong tries; have it unlocked (with the SO PIN or the vendor\'s tool) before trying again.'],
    ['CKR_USER_NOT_LOGGED_IN', 'KEYPORT_PIN_REQUIRED', 'Token "YubiKey PIV" needs its PIN before signing; log in and try again.'],
    ['CKR_DEVICE_REMOVED', 'KEYPORT_TOKEN_REMOVED', 'Token "YubiKey PIV" was removed while signing; insert it and try again.'],
    ['CKR_TOKEN_NOT_PRESENT', 'KEYPORT_TOKEN_REMOVED', 'Token "YubiKey PIV" was removed while signing; insert it and try again.'],
    ['CKR_MECHANISM_INVALID', 'KEYPORT_MECHANISM_UNSUPPORTED', 'Token "YubiKey PIV" does not support this while signing (CKR_MECHANISM_INVALID); use another key type or token.'],
    ['CKR_KEY_HANDLE_INVALID', 'KEYPORT_KEY_NOT_ON_TOKEN', 'The key is no longer on token "YubiKey PIV"; pick another identity or create a new key.'],
    ['CKR_DEVICE_ERROR', 'KEYPORT_TOKEN_ERROR', 'Token "YubiKey PIV" failed while signing (CKR_DEVICE_ERROR); check the device and try again.'],
  ])('maps %s to %s with one sentence naming the token', (name, code, message) => {
    const err = mapPkcs11Error(ckr(name), ctx);
    expect(err.code).toBe(code);
    expect(err.message).toBe(message);
  });

  it('reads plain "CKR_NAME:number" errors, as some pkcs11js calls throw them', () => {
    const err = mapPkcs11Error(new Error(`CKR_PIN_LOCKED:${pkcs11.CKR_PIN_LOCKED}`), ctx);
    expect(err.code).toBe('KEYPORT_PIN_LOCKED');
  });

  it('turns anything else into KEYPORT_TOKEN_ERROR without a stack trace in the message', () => {
    const err = mapPkcs11Error(new TypeError('bad handle'), ctx);
    expect(err.code).toBe('KEYPORT_TOKEN_ERROR');
    expect(err.message).toBe('Token "YubiKey PIV" failed while signing (bad handle); check the token and try again.');
  });
});
