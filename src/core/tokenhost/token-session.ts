/**
 * One token and the single session Keyport keeps on it: opens it lazily, re-opens it when the
 * module says the handle went stale, remembers the login state, the token's mechanism list and
 * key handles, and maps every failure to a KeyportError that names the token.
 */
import * as pkcs11 from 'pkcs11js';
import { KeyportError } from '../../shared/errors';
import { isCkr, mapPkcs11Error } from './ckr';
import type { KeyAlgorithm } from '../keystores/types';
import type { LoadedModule } from './modules';
import type { TokenFlags } from './protocol';

const STALE_SESSION = [pkcs11.CKR_SESSION_HANDLE_INVALID, pkcs11.CKR_SESSION_CLOSED];
const REMOVED = [pkcs11.CKR_DEVICE_REMOVED, pkcs11.CKR_TOKEN_NOT_PRESENT];

/** A private key on the token and what it is. */
export interface KeyEntry {
  handle: pkcs11.Handle;
  algorithm: KeyAlgorithm;
  publicKeySpki: Buffer;
}

/** Decodes CK_TOKEN_INFO flags. */
export function tokenFlags(flags: number): TokenFlags {
  const has = (bit: number): boolean => (flags & bit) !== 0;
  return {
    loginRequired: has(pkcs11.CKF_LOGIN_REQUIRED),
    userPinInitialized: has(pkcs11.CKF_USER_PIN_INITIALIZED),
    userPinLocked: has(pkcs11.CKF_USER_PIN_LOCKED),
    userPinCountLow: has(pkcs11.CKF_USER_PIN_COUNT_LOW),
    userPinFinalTry: has(pkcs11.CKF_USER_PIN_FINAL_TRY),
    protectedAuthenticationPath: has(pkcs11.CKF_PROTECTED_AUTHENTICATION_PATH),
    tokenInitialized: has(pkcs11.CKF_TOKEN_INITIALIZED),
  };
}

/** A token in one slot of one module, with Keyport's one session on it. */
export class TokenSession {
  private session: pkcs11.Handle | undefined;
  private loggedIn = false;
  private mechanisms: Set<number> | undefined;
  private loginRequired: boolean | undefined;
  /** Private keys found so far, by CKA_ID hex; valid while the session lives. */
  readonly keys = new Map<string, KeyEntry>();
  /** Set once the token is gone; the directory then resolves the label again. */
  removed = false;

  constructor(
    readonly mod: LoadedModule,
    readonly label: string,
    readonly slot: pkcs11.Handle,
  ) {}

  get lib(): pkcs11.PKCS11 {
    return this.mod.lib;
  }

  /** True while this session is logged in as the user. */
  get isLoggedIn(): boolean {
    return this.loggedIn;
  }

  /** Current token flags, read from the token. */
  flags(): TokenFlags {
    return this.guard('reading the token', () => tokenFlags(this.lib.C_GetTokenInfo(this.slot).flags));
  }

  /** Runs `op` on the session, re-opening it once if the module says the handle is stale. */
  run<T>(activity: string, op: (session: pkcs11.Handle) => T): T {
    return this.guard(activity, () => {
      try {
        return op(this.open());
      } catch (e) {
        if (!isCkr(e, ...STALE_SESSION)) throw e;
        this.forgetSession();
        return op(this.open());
      }
    });
  }

  /** Fails with KEYPORT_PIN_REQUIRED unless logged in (when the token wants a login at all). */
  requireLogin(activity: string): void {
    if (this.loggedIn) return;
    this.loginRequired ??= this.flags().loginRequired;
    if (this.loginRequired) {
      throw new KeyportError('KEYPORT_PIN_REQUIRED', `Token "${this.label}" needs its PIN before ${activity}; log in and try again.`);
    }
  }

  /** Logs the user in; already being logged in counts as success. */
  login(pin: string): void {
    try {
      this.run('logging in', (s) => {
        try {
          this.lib.C_Login(s, pkcs11.CKU_USER, pin);
        } catch (e) {
          if (!isCkr(e, pkcs11.CKR_USER_ALREADY_LOGGED_IN)) throw e;
        }
      });
      this.loggedIn = true;
    } catch (e) {
      throw this.withPinHint(e);
    }
  }

  /** Logs out; being logged out already counts as success. */
  logout(): void {
    if (!this.session) return;
    this.run('logging out', (s) => {
      try {
        this.lib.C_Logout(s);
      } catch (e) {
        if (!isCkr(e, pkcs11.CKR_USER_NOT_LOGGED_IN)) throw e;
      }
    });
    this.loggedIn = false;
    this.keys.clear();
  }

  /** True when the token offers `mechanism`; the list is read once and cached. */
  supports(mechanism: number): boolean {
    if (!this.mechanisms) {
      const list = this.guard('reading mechanisms', () => this.lib.C_GetMechanismList(this.slot));
      this.mechanisms = new Set(list);
    }
    return this.mechanisms.has(mechanism);
  }

  /** Closes the session (on host shutdown or when the token is dropped). */
  close(): void {
    if (this.session) {
      try {
        this.lib.C_CloseSession(this.session);
      } catch {
        // The session may already be gone with the token.
      }
    }
    this.forgetSession();
  }

  private open(): pkcs11.Handle {
    if (!this.session) {
      this.session = this.lib.C_OpenSession(this.slot, pkcs11.CKF_SERIAL_SESSION | pkcs11.CKF_RW_SESSION);
    }
    return this.session;
  }

  private forgetSession(): void {
    this.session = undefined;
    this.loggedIn = false;
    this.keys.clear();
  }

  /** Runs a module call and converts what it throws, updating state on logout or removal. */
  private guard<T>(activity: string, op: () => T): T {
    try {
      return op();
    } catch (e) {
      if (isCkr(e, pkcs11.CKR_USER_NOT_LOGGED_IN)) this.loggedIn = false;
      if (isCkr(e, ...REMOVED, ...STALE_SESSION)) {
        this.forgetSession();
        this.removed = true;
      }
      throw mapPkcs11Error(e, { token: this.label, activity });
    }
  }

  /** A wrong-PIN error with what the token says about remaining tries. */
  private withPinHint(e: unknown): unknown {
    if (!(e instanceof KeyportError) || e.code !== 'KEYPORT_PIN_INCORRECT') return e;
    let flags: TokenFlags;
    try {
      flags = this.flags();
    } catch {
      return e;
    }
    if (flags.userPinLocked) {
      return new KeyportError('KEYPORT_PIN_LOCKED', `Cannot log in to token "${this.label}": wrong PIN, and the token has now locked its user PIN; have it unlocked (with the SO PIN or the vendor's tool) before trying again.`);
    }
    const hint = flags.userPinFinalTry
      ? ' (one more wrong PIN locks the token)'
      : flags.userPinCountLow
        ? ' (few tries remain before the token locks)'
        : '';
    return new KeyportError('KEYPORT_PIN_INCORRECT', `Cannot log in to token "${this.label}": wrong PIN${hint}; enter the right PIN.`);
  }
}
