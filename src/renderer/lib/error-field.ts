/**
 * Which form field an error concerns, so a form can show the sentence right under that field
 * (a wrong password under the password, an unreadable file under the file) and the rest above
 * the buttons. Codes are the stable ones of src/shared/errors.ts.
 */

/** The fields of the Import, New key and Test connection forms that errors can point at. */
export type FormField = 'file' | 'key' | 'password' | 'destination' | 'subject' | 'sans' | 'certificate' | 'url' | 'identity' | 'ca' | 'form';

const FIELD_BY_CODE: Record<string, FormField> = {
  KEYPORT_PKCS12_WRONG_PASSWORD: 'password',
  KEYPORT_KEY_WRONG_PASSWORD: 'password',
  KEYPORT_KEY_PASSWORD_REQUIRED: 'password',
  KEYPORT_FILE_UNREADABLE: 'file',
  KEYPORT_FILE_TOO_LARGE: 'file',
  KEYPORT_PEM_INVALID: 'file',
  KEYPORT_CERT_INVALID: 'file',
  KEYPORT_PKCS12_INVALID: 'file',
  KEYPORT_PKCS12_NO_KEY: 'file',
  KEYPORT_PKCS12_UNSUPPORTED: 'file',
  KEYPORT_KEY_INVALID: 'key',
  KEYPORT_KEY_UNSUPPORTED: 'key',
  KEYPORT_KEY_MISMATCH: 'key',
  KEYPORT_KEYCHAIN_UNAVAILABLE: 'destination',
  KEYPORT_KEYCHAIN_LOCKED: 'destination',
  KEYPORT_TOKEN_NOT_FOUND: 'destination',
  KEYPORT_TOKEN_REMOVED: 'destination',
  KEYPORT_TOKEN_ERROR: 'destination',
  KEYPORT_PIN_REQUIRED: 'destination',
  KEYPORT_PIN_INCORRECT: 'destination',
  KEYPORT_PIN_LOCKED: 'destination',
  KEYPORT_MECHANISM_UNSUPPORTED: 'destination',
  KEYPORT_PKCS11_MODULE_NOT_FOUND: 'destination',
  KEYPORT_NO_MATCHING_IDENTITY: 'identity',
};

/** Per form, what a code means differently (a certificate that does not match a key, a bad CA file). */
export type FieldOverrides = Partial<Record<string, FormField>>;

/** The field `code` concerns on a form; `form` when none (shown above the buttons). */
export function fieldOfError(code: string, overrides: FieldOverrides = {}): FormField {
  return overrides[code] ?? FIELD_BY_CODE[code] ?? 'form';
}

/** The error sentence for `field`, when the last error concerns it. */
export function errorFor(
  error: { code: string; message: string } | undefined,
  field: FormField,
  overrides?: FieldOverrides,
): string | undefined {
  return error && fieldOfError(error.code, overrides) === field ? error.message : undefined;
}
