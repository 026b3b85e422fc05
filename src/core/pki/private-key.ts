import { createPrivateKey, type KeyObject } from 'node:crypto';
import { KeyportError } from '../../shared/errors';

/**
 * Reads a private key from PEM (PKCS#1, SEC1, PKCS#8, encrypted PKCS#8) or DER PKCS#8.
 * `password` is only used for encrypted keys. Errors name `what` and the likely cause.
 */
export function readPrivateKey(data: Buffer, what: string, password?: string): KeyObject {
  const isPem = data.subarray(0, 4096).toString('latin1').includes('-----BEGIN ');
  const encrypted = isPem && /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(data.toString('latin1'));
  if (encrypted && password === undefined) {
    throw new KeyportError(
      'KEYPORT_KEY_PASSWORD_REQUIRED',
      `Cannot read private key ${what}: it is encrypted; give its password with --password-file.`,
    );
  }
  try {
    return isPem
      ? createPrivateKey({ key: data, format: 'pem', passphrase: password ?? '' })
      : createPrivateKey({ key: data, format: 'der', type: 'pkcs8' });
  } catch (e) {
    if (encrypted) {
      throw new KeyportError('KEYPORT_KEY_WRONG_PASSWORD', `Cannot read private key ${what}: wrong password.`, {
        cause: e,
      });
    }
    throw new KeyportError(
      'KEYPORT_KEY_INVALID',
      `Cannot read private key ${what}: it is not a PEM or DER private key (PKCS#1, SEC1 or PKCS#8).`,
      { cause: e },
    );
  }
}
