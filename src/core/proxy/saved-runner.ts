import type { Keyport } from '../app';
import { toKeyportError } from '../../shared/errors';
import { watchFile } from '../watch-file';
import { caFilesOf } from './ca-files';
import { loadSavedRoutes, savedRoutesFile } from './saved-routes';
import { ProxyService, type ProxyOptions } from './service';

/** Saved routes kept running until stop(). */
export interface SavedRoutesRunner {
  stop(): Promise<void>;
}

/**
 * Runs the routes saved in the data dir (`proxy.yaml`, managed by `keyport routes`), as
 * `keyport daemon` and the desktop app do; the file is watched and reloaded on change.
 * Resolves undefined when nothing is saved.
 */
export async function startConfiguredProxy(
  keyport: Keyport,
  dataDir: string,
  opts: Pick<ProxyOptions, 'onEvent' | 'onConnection' | 'audit'> = {},
): Promise<ProxyService | undefined> {
  const config = await loadSavedRoutes(dataDir);
  if (config.routes.length === 0 && !config.httpProxy) return undefined;
  return ProxyService.start({ keyport, dataDir, config, configFile: savedRoutesFile(dataDir), ...opts });
}

/**
 * The saved routes, running now if they can, else from when they can: until then `proxy.yaml` and
 * every CA file it names are watched, and a change tries again (`keyport routes add` of the first
 * route, a CA file put back). A start that fails is a `start-failed` event, never thrown: the
 * daemon's renewal scheduler must not stop because a route cannot run. Once running, the proxy
 * reloads the file itself.
 */
export async function runSavedRoutes(
  keyport: Keyport,
  dataDir: string,
  opts: Pick<ProxyOptions, 'onEvent' | 'onConnection' | 'audit'> = {},
): Promise<SavedRoutesRunner> {
  let proxy: ProxyService | undefined;
  let stopped = false;
  let starting: Promise<void> = Promise.resolve();
  let unwatch = (): void => undefined;
  const tryStart = async (): Promise<void> => {
    if (proxy || stopped) return;
    unwatch();
    try {
      proxy = await startConfiguredProxy(keyport, dataDir, opts);
    } catch (e) {
      const err = toKeyportError(e);
      opts.onEvent?.({ type: 'start-failed', code: err.code, message: err.message });
    }
    if (!proxy && !stopped) unwatch = watchAll(await filesToWatch(dataDir), () => void (starting = starting.then(tryStart)));
  };
  await tryStart();
  return {
    stop: async () => {
      stopped = true;
      unwatch();
      await starting;
      await proxy?.close();
    },
  };
}

/** proxy.yaml and the CA files it names (none while it does not parse). */
async function filesToWatch(dataDir: string): Promise<string[]> {
  const config = await loadSavedRoutes(dataDir).catch(() => undefined);
  return [savedRoutesFile(dataDir), ...(config ? caFilesOf(config) : [])];
}

/** One change of any of `files` calls `onChange`; returns the unsubscribe function. */
function watchAll(files: string[], onChange: () => void): () => void {
  const stops = files.map((f) => watchFile(f, onChange));
  return () => stops.forEach((stop) => stop());
}
