/**
 * The app's "PIN cache" is the token logins it holds (it never keeps a PIN). This ends them: after
 * a set time without token use, and at once on screen lock or suspend (`lockNow`).
 */
export class IdleLogout {
  private timer: NodeJS.Timeout | undefined;
  private timeoutMs = 0;

  /** `logoutAll` ends every token login; `onError` hears about a logout that failed. */
  constructor(
    private readonly logoutAll: () => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Sets the idle time in minutes (0: never log out for idleness) and restarts the clock. */
  setTimeoutMinutes(minutes: number): void {
    this.timeoutMs = minutes * 60_000;
    this.touch();
  }

  /** Marks token use now: the idle clock starts again. */
  touch(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.timeoutMs <= 0) return;
    this.timer = setTimeout(() => void this.lockNow(), this.timeoutMs);
    this.timer.unref();
  }

  /** Logs out of every token now. Never rejects: a failure goes to `onError`. */
  async lockNow(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.logoutAll().catch(this.onError);
  }

  /** Stops the clock (quit). */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
