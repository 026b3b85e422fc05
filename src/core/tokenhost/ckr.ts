/**
 * Turns PKCS#11 return values (CKR_*) into KeyportErrors: a stable code and one sentence that
 * names the token and says what to do.
 */
import * as pkcs11 from 'pkcs11js';
import { KeyportError, type ErrorCode } from '../../shared/errors';

/**
 * The CKR_ name and number of a pkcs11js error, or undefined for anything else. Most calls throw
 * a Pkcs11Error; some throw a plain Error whose message is "CKR_NAME:number".
 */
export function ckrOf(e: unknown): { name: string; code: number } | undefined {
  if (!(e instanceof Error)) return undefined;
  const match = /^(CKR_[A-Z0-9_]+)(?::(\d+))?/.exec(e.message);
  if (!match?.[1]) return undefined;
  const code = (e as Error & { code?: unknown }).code;
  if (typeof code === 'number' && e.name === 'Pkcs11Error') return { name: match[1], code };
  return match[2] === undefined ? undefined : { name: match[1], code: Number(match[2]) };
}

/** True when `e` is a pkcs11js error with one of the given CKR_ values. */
export function isCkr(e: unknown, ...codes: number[]): boolean {
  const ckr = ckrOf(e);
  return ckr !== undefined && codes.includes(ckr.code);
}

const REMOVED = [pkcs11.CKR_DEVICE_REMOVED, pkcs11.CKR_TOKEN_NOT_PRESENT, pkcs11.CKR_TOKEN_NOT_RECOGNIZED];
const MECHANISM = [
  pkcs11.CKR_MECHANISM_INVALID,
  pkcs11.CKR_MECHANISM_PARAM_INVALID,
  pkcs11.CKR_KEY_TYPE_INCONSISTENT,
  pkcs11.CKR_KEY_FUNCTION_NOT_PERMITTED,
  pkcs11.CKR_FUNCTION_NOT_SUPPORTED,
  pkcs11.CKR_TEMPLATE_INCONSISTENT,
  pkcs11.CKR_ATTRIBUTE_VALUE_INVALID,
  pkcs11.CKR_ATTRIBUTE_TYPE_INVALID,
  pkcs11.CKR_DOMAIN_PARAMS_INVALID,
  pkcs11.CKR_KEY_SIZE_RANGE,
];
const KEY_GONE = [pkcs11.CKR_KEY_HANDLE_INVALID, pkcs11.CKR_OBJECT_HANDLE_INVALID];

/** What went on when the error happened, for the message. */
export interface ErrorContext {
  token: string;
  /** How to name what failed when it is not a token, e.g. "PKCS#11 module /path". */
  subject?: string;
  /** A verb phrase such as "signing" or "logging in". */
  activity: string;
}

/** Maps any error thrown by a pkcs11js call to a KeyportError. */
export function mapPkcs11Error(e: unknown, ctx: ErrorContext): KeyportError {
  if (e instanceof KeyportError) return e;
  const ckr = ckrOf(e);
  if (!ckr) {
    const detail = e instanceof Error ? e.message : String(e);
    return new KeyportError('KEYPORT_TOKEN_ERROR', `${ctx.subject ?? `Token "${ctx.token}"`} failed while ${ctx.activity} (${detail}); check the token and try again.`, { cause: e });
  }
  const [code, message] = describe(ckr, ctx);
  return new KeyportError(code, message, { cause: e });
}

function describe(ckr: { name: string; code: number }, ctx: ErrorContext): [ErrorCode, string] {
  const t = `"${ctx.token}"`;
  const subject = ctx.subject ?? `Token ${t}`;
  switch (ckr.code) {
    case pkcs11.CKR_PIN_INCORRECT:
      return ['KEYPORT_PIN_INCORRECT', `Cannot log in to token ${t}: wrong PIN; enter the right PIN.`];
    case pkcs11.CKR_PIN_LEN_RANGE:
      return ['KEYPORT_PIN_INCORRECT', `Cannot log in to token ${t}: the PIN has the wrong length; enter the right PIN.`];
    case pkcs11.CKR_PIN_LOCKED:
      return ['KEYPORT_PIN_LOCKED', `Token ${t} has locked its user PIN after too many wrong tries; have it unlocked (with the SO PIN or the vendor's tool) before trying again.`];
    case pkcs11.CKR_USER_NOT_LOGGED_IN:
      return ['KEYPORT_PIN_REQUIRED', `Token ${t} needs its PIN before ${ctx.activity}; log in and try again.`];
  }
  if (REMOVED.includes(ckr.code)) {
    return ['KEYPORT_TOKEN_REMOVED', `${ctx.subject ? `${ctx.subject}: a token` : `Token ${t}`} was removed while ${ctx.activity}; insert it and try again.`];
  }
  if (MECHANISM.includes(ckr.code)) {
    return ['KEYPORT_MECHANISM_UNSUPPORTED', `${subject} does not support this while ${ctx.activity} (${ckr.name}); use another key type or token.`];
  }
  if (KEY_GONE.includes(ckr.code)) {
    return ['KEYPORT_KEY_NOT_ON_TOKEN', `The key is no longer on token ${t}; pick another identity or create a new key.`];
  }
  return ['KEYPORT_TOKEN_ERROR', `${subject} failed while ${ctx.activity} (${ckr.name}); check the device and try again.`];
}
