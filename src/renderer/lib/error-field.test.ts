import { describe, expect, it } from 'vitest';
import { errorFor, fieldOfError } from './error-field';

describe('which field an error concerns', () => {
  it('puts password, file, key and destination errors by their fields, the rest on the form', () => {
    expect(fieldOfError('KEYPORT_PKCS12_WRONG_PASSWORD')).toBe('password');
    expect(fieldOfError('KEYPORT_PKCS12_INVALID')).toBe('file');
    expect(fieldOfError('KEYPORT_KEY_MISMATCH')).toBe('key');
    expect(fieldOfError('KEYPORT_PIN_LOCKED')).toBe('destination');
    expect(fieldOfError('KEYPORT_INTERNAL')).toBe('form');
  });

  it('lets a form say what a generic code means there, and answers only for the concerned field', () => {
    const error = { code: 'KEYPORT_INVALID_ARGUMENT', message: 'The URL is not https.' };
    expect(errorFor(error, 'url', { KEYPORT_INVALID_ARGUMENT: 'url' })).toBe('The URL is not https.');
    expect(errorFor(error, 'form', { KEYPORT_INVALID_ARGUMENT: 'url' })).toBeUndefined();
    expect(errorFor(error, 'form')).toBe('The URL is not https.');
    expect(errorFor(undefined, 'form')).toBeUndefined();
  });
});
