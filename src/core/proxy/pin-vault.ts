import { createHash } from 'node:crypto';
import { KeyportError } from '../../shared/errors';
import type { PinRejected, PinSource } from '../keystores/pkcs11';

/** A token that needs its PIN, as the event names it. */
export interface TokenRef {
  module: string;
  token: string;
}

/** How the vault behaves. */
export interface PinVaultOptions {
  /** Forget a cached PIN (and lock the tokens) after this long unused; default 15 min; 0 = never. */
  idleMs?: number;
  /** Asked when no PIN is cached: `--pin-file` or KEYPORT_PIN for the CLI. Absent: the PIN is required. */
  fallback?: PinSource;
  /** Told when a token needs a PIN nobody gave (the app turns this into a prompt). */
  onPinRequired?: (token: TokenRef) => void;
  /** How the user gives a missing PIN, ending the error's sentence; the CLI has no "enter it in Keyport". */
  howToGivePin?: string;
  /** Ends every token login (the proxy restarts the token host), run by lock() and the idle timeout. */
  onLock?: () => Promise<void>;
}

const DEFAULT_IDLE_MS = 15 * 60 * 1000;
const key = (t: TokenRef): string => `${t.module}\0${t.token}`;
const digest = (pin: string): string => createHash('sha256').update(pin).digest('hex');

/**
 * PINs the user gave for a running proxy: in this process's memory only (never disk, argv or logs),
 * forgotten after an idle time or on lock(). Without a PIN, a token login fails with
 * KEYPORT_PIN_REQUIRED and raises onPinRequired, so a connection never hangs on a prompt. A PIN the
 * token refused is never given again by itself: every connection would try it, and a smartcard
 * locks after three.
 */
export class PinVault {
  private readonly pins = new Map<string, { pin: string; usedAt: number }>();
  /** SHA-256 of the fallback PIN each token refused (not the PIN): a changed PIN file is tried again. */
  private readonly refused = new Map<string, string>();
  private readonly idleMs: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: PinVaultOptions = {}) {
    this.idleMs = opts.idleMs ?? DEFAULT_IDLE_MS;
  }

  /** The PinSource to open Keyport with. */
  readonly source: PinSource = async (token) => {
    const cached = this.pins.get(key(token));
    if (cached) {
      cached.usedAt = Date.now();
      return cached.pin;
    }
    if (this.opts.fallback) return this.unlessRefused(token, await this.opts.fallback(token));
    this.opts.onPinRequired?.(token);
    throw new KeyportError(
      'KEYPORT_PIN_REQUIRED',
      `Token "${token.token}" needs its PIN and none is cached: ${this.opts.howToGivePin ?? 'enter it in Keyport, or start the proxy with --pin-file FILE or KEYPORT_PIN set'}.`,
    );
  };

  /** The token refused `pin`: a cached PIN is forgotten (the next login asks again), a fallback one is not given again. */
  readonly rejected: PinRejected = (token, pin) => {
    const k = key(token);
    if (this.pins.get(k)?.pin === pin) this.pins.delete(k);
    this.refused.set(k, digest(pin));
  };

  /** Caches the PIN for `token` (after a prompt); it is used at the next login. */
  provide(token: TokenRef, pin: string): void {
    this.pins.set(key(token), { pin, usedAt: Date.now() });
    this.armIdleTimer();
  }

  /** A proxied connection started: the cached PINs are in use, so their idle time starts again. */
  touch(): void {
    const now = Date.now();
    for (const v of this.pins.values()) v.usedAt = now;
  }

  /** Tokens with a cached PIN. */
  cached(): TokenRef[] {
    return [...this.pins.keys()].map((k) => {
      const [module = '', token = ''] = k.split('\0');
      return { module, token };
    });
  }

  /** "Lock now": forgets every PIN and ends the token logins. */
  async lock(): Promise<void> {
    this.pins.clear();
    this.stopTimer();
    await this.opts.onLock?.();
  }

  /** Stops the idle timer (the proxy is closing). */
  stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private unlessRefused(token: TokenRef, pin: string): string {
    if (this.refused.get(key(token)) !== digest(pin)) return pin;
    throw new KeyportError(
      'KEYPORT_PIN_INCORRECT',
      `Token "${token.token}" already refused the PIN from --pin-file or KEYPORT_PIN, and Keyport does not try a wrong PIN twice (the token would lock): put the right PIN in the file, which the next connection reads again, or restart the proxy with it.`,
    );
  }

  private armIdleTimer(): void {
    if (this.timer || this.idleMs === 0) return;
    this.timer = setInterval(() => void this.expire(), Math.max(1000, Math.min(this.idleMs / 4, 60_000)));
    this.timer.unref();
  }

  private async expire(): Promise<void> {
    const now = Date.now();
    const before = this.pins.size;
    for (const [k, v] of this.pins) if (now - v.usedAt >= this.idleMs) this.pins.delete(k);
    if (this.pins.size === 0) this.stopTimer();
    if (this.pins.size < before) await this.opts.onLock?.();
  }
}
