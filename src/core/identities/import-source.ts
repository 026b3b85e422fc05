import { KeyportError } from '../../shared/errors';
import { parsePkcs12, pickIdentity } from '../pki/pkcs12';
import { decodePem, looksLikePem, readCertificates } from '../pki/pem';
import { readPrivateKey } from '../pki/private-key';

/** A private key and certificates read from the files a user was handed. */
export interface ImportSource {
  pkcs8: Buffer;
  certs: Buffer[];
  source: 'pem' | 'pkcs12';
  friendlyName?: string;
}

/** What the user gave: the main file, an optional separate key file, and the password if any. */
export interface ImportFiles {
  name: string;
  data: Buffer;
  key?: { name: string; data: Buffer };
  password?: string;
}

const KEY_LABELS = /^(ENCRYPTED |RSA |EC )?PRIVATE KEY$/;

/**
 * Reads what the user gave: PEM when it looks like PEM, else PKCS#12. A PKCS#12 without a password
 * given is tried with the absent password (`null`), which also opens files made with an empty one.
 */
export async function readIdentitySource(files: ImportFiles): Promise<ImportSource> {
  if (looksLikePem(files.data)) return readPemIdentity(files);
  const contents = await parsePkcs12(files.data, files.password ?? null);
  const identity = pickIdentity(contents);
  return { pkcs8: identity.keyPkcs8, certs: identity.chain, source: 'pkcs12', friendlyName: identity.friendlyName };
}

/**
 * Reads PEM (certificate or bundle plus a key, in the same file or `--key`). A key is required:
 * Keyport identities are a certificate and its private key.
 */
export function readPemIdentity(files: ImportFiles): ImportSource {
  if (!looksLikePem(files.data)) {
    throw new KeyportError('KEYPORT_PEM_INVALID', `Cannot import ${files.name}: it is not PEM.`);
  }
  const certs = readCertificates(files.data, files.name);
  const keyFile = files.key ?? embeddedKey(files);
  if (!keyFile) {
    throw new KeyportError(
      'KEYPORT_KEY_INVALID',
      `Cannot import ${files.name}: it holds certificates but no private key; pass the key with --key FILE.`,
    );
  }
  const key = readPrivateKey(keyFile.data, keyFile.name, files.password);
  return { pkcs8: key.export({ format: 'der', type: 'pkcs8' }), certs, source: 'pem' };
}

function embeddedKey(files: ImportFiles): { name: string; data: Buffer } | undefined {
  const hasKey = decodePem(files.data.toString('latin1')).some((b) => KEY_LABELS.test(b.label));
  return hasKey ? { name: files.name, data: files.data } : undefined;
}
