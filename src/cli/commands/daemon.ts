import type { Command } from 'commander';
import { KeyportError } from '../../shared/errors';
import type { Keyport } from '../../core/app';
import { RenewalScheduler, type SchedulerEvent } from '../../core/enroll/scheduler';
import { runSavedRoutes, PinVault, type ProxyEvent, type SavedRoutesRunner } from '../../core/proxy';
import { withKeyport, type GlobalOptions } from '../context';
import { defaultDataDir } from '../data-dir';
import { fail } from '../output';
import { recover } from './enroll';
import { pinFallback } from './proxy';

/** The routes saved in the data dir (`keyport routes`), hot-reloaded as `keyport proxy --config` is, and started once the first is saved. */
function startProxyRoutes(keyport: Keyport, dataDir: string, log: (line: string) => void): Promise<SavedRoutesRunner> {
  return runSavedRoutes(keyport, dataDir, { onEvent: (e) => log(`proxy-${eventLine(e)}`) });
}

/** `keyport daemon`: the renewal scheduler and the proxy routes, headless, one log line per event. */
export function registerDaemonCommand(program: Command): void {
  program
    .command('daemon')
    .description('run the renewal scheduler and the proxy routes in the foreground until SIGTERM')
    .option('--tick <seconds>', 'how often the wall clock is re-checked', '30')
    .option('--retry-min <seconds>', 'first retry after a failed renewal (doubles each time)', '30')
    .option('--retry-max <seconds>', 'longest wait between retries', '3600')
    .option('--roots-every <seconds>', "how often every CA's roots are refreshed", '21600')
    .action(async (...raw: unknown[]) => {
      const cmd = raw[raw.length - 1] as Command;
      const o = cmd.opts<{ tick: string; retryMin: string; retryMax: string; rootsEvery: string }>();
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const fallback = pinFallback(globals);
      // PINs come from --pin-file or KEYPORT_PIN at each login (none is cached: nothing to lock);
      // the vault remembers refused ones, for the routes and the scheduler alike.
      const vault = new PinVault({
        ...(fallback ? { fallback } : {}),
        onPinRequired: (t) => void process.stdout.write(`${new Date().toISOString()} pin-required token=${JSON.stringify(t.token)}\n`),
        howToGivePin: 'start keyport daemon again with --pin-file FILE or KEYPORT_PIN set',
      });
      try {
        await withKeyport(cmd, (k) => runDaemon(k, globals.dataDir ?? defaultDataDir(), o), vault);
      } catch (e) {
        fail(e, false);
      }
    });
}

async function runDaemon(
  k: Keyport,
  dataDir: string,
  o: { tick: string; retryMin: string; retryMax: string; rootsEvery: string },
): Promise<void> {
  const log = (line: string): void => void process.stdout.write(`${k.enrollment.clock().toISOString()} ${line}\n`);
  await recover(k);
  const scheduler = new RenewalScheduler(k.registry, k.enrollment, {
    tickMs: seconds(o.tick, '--tick') * 1000,
    retryMinMs: seconds(o.retryMin, '--retry-min') * 1000,
    retryMaxMs: seconds(o.retryMax, '--retry-max') * 1000,
    rootsEveryMs: seconds(o.rootsEvery, '--roots-every') * 1000,
    clock: k.enrollment.clock,
  });
  scheduler.on('event', (e: SchedulerEvent) => log(eventLine(e)));
  const routes = await startProxyRoutes(k, dataDir, log);
  scheduler.start();
  log(`started pid=${process.pid}`);
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  log('stopping');
  await scheduler.stop();
  await routes.stop();
  log('stopped');
}

/** `type key=value ...`: one line, greppable. */
function eventLine(e: SchedulerEvent | ProxyEvent): string {
  const { type, ...rest } = e;
  return `${type} ${Object.entries(rest).map(([key, v]) => `${key}=${JSON.stringify(v)}`).join(' ')}`.trim();
}

function seconds(text: string, flag: string): number {
  const n = Number(text);
  if (!(n > 0)) throw new KeyportError('KEYPORT_INVALID_ARGUMENT', `Cannot use ${flag} ${text}: give a number of seconds above 0.`);
  return n;
}
