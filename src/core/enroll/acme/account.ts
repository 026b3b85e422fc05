import { KeyportError } from '../../../shared/errors';
import type { AcmeClient } from './client';
import { externalAccountBinding, type AccountKey } from './jws';
import { problemText, type AcmeProblem } from './problem';

/** A CA-issued external account binding (RFC 8555 §7.3.4): key id and the MAC key's raw bytes. */
export interface ExternalAccount {
  kid: string;
  macKey: Buffer;
}

/**
 * Registers (or finds, when the key already has one) the account of `key` and returns its URL, the
 * `kid` of every later request. Refuses before contacting the server when it demands EAB and none is given.
 */
export async function ensureAccount(client: AcmeClient, key: AccountKey, eab?: ExternalAccount): Promise<string> {
  await checkEabGiven(client, eab);
  const dir = await client.directory();
  const payload = {
    termsOfServiceAgreed: true,
    ...(eab ? { externalAccountBinding: externalAccountBinding({ ...eab, url: dir.newAccount, jwk: key.jwk }) } : {}),
  };
  const res = await client.post(dir.newAccount, { key, identity: { jwk: key.jwk }, payload, what: 'create the account' }).catch((e) => {
    throw eab && e instanceof KeyportError && e.code === 'KEYPORT_ACME_REJECTED' ? eabRefused(eab.kid, e.cause as AcmeProblem) : e;
  });
  if (!res.location) {
    throw new KeyportError('KEYPORT_ACME_REJECTED', `The ACME server created the account but sent no account URL (Location); it does not follow RFC 8555.`);
  }
  return res.location;
}

/** Refuses early (before any key is made) when the directory says EAB is required and none was given. */
export async function checkEabGiven(client: AcmeClient, eab: ExternalAccount | undefined): Promise<void> {
  if ((await client.directory()).meta?.externalAccountRequired && !eab) throw eabRequired(client.directoryUrl);
}

/** Decodes an EAB MAC key as CAs hand it out (base64url, RFC 8555 §7.3.4); refuses an empty key. */
export function parseMacKey(text: string, file: string): Buffer {
  const trimmed = text.trim();
  const key = /^[A-Za-z0-9_-]+={0,2}$/.test(trimmed) ? Buffer.from(trimmed, 'base64url') : Buffer.alloc(0);
  if (key.length === 0) {
    throw new KeyportError(
      'KEYPORT_INVALID_ARGUMENT',
      `Cannot read the EAB MAC key in ${file}: it must be the base64url key your CA gave you, on one line.`,
    );
  }
  return key;
}

function eabRequired(url: string): KeyportError {
  return new KeyportError(
    'KEYPORT_ACME_EAB_REQUIRED',
    `The ACME server at ${url} requires an external account binding: pass the key id and MAC key your CA gave you with --eab-kid K --eab-hmac-file F.`,
  );
}

function eabRefused(kid: string, problem: AcmeProblem | undefined): KeyportError {
  return new KeyportError(
    'KEYPORT_ACME_EAB_REFUSED',
    `The ACME server refused the external account binding for key id "${kid}" (${problemText(problem)}); check --eab-kid and the MAC key in --eab-hmac-file.`,
  );
}
