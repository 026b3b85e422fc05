import { powerMonitor } from 'electron';

/** What the app does when the machine sleeps, wakes, or the screen locks. */
export interface PowerHooks {
  /** Screen lock and suspend: end every token login (the "PIN cache"). */
  lock(): Promise<void>;
  /** Resume from sleep: time jumped, so re-check expiry and run the renewal scheduler's catch-up now. */
  resume(): Promise<void>;
}

/** Registers the power and lock-screen events; failures are logged, never thrown into Electron. */
export function watchPower(hooks: PowerHooks, onError: (error: unknown) => void): void {
  const run = (hook: () => Promise<void>) => () => void hook().catch(onError);
  powerMonitor.on('suspend', run(hooks.lock));
  powerMonitor.on('lock-screen', run(hooks.lock));
  powerMonitor.on('resume', run(hooks.resume));
}
