import type { Keyport } from '../app';
import { toKeyportError } from '../../shared/errors';
import { watchFile } from '../watch-file';
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
 * The saved routes, running now if there are any, else from when the file first gets some
 * (`keyport routes add` while `keyport daemon` runs): until then the file is watched, and a start
 * that fails then is reported as a `reload-failed` event and tried again at the next change. A
 * failure of the first start is thrown. Once running, the proxy reloads the file itself.
 */
export async function runSavedRoutes(
  keyport: Keyport,
  dataDir: string,
  opts: Pick<ProxyOptions, 'onEvent' | 'onConnection' | 'audit'> = {},
): Promise<SavedRoutesRunner> {
  let proxy = await startConfiguredProxy(keyport, dataDir, opts);
  if (proxy) return { stop: () => proxy!.close() };
  let stopped = false;
  let starting: Promise<void> = Promise.resolve();
  const startOnce = async (): Promise<void> => {
    if (proxy || stopped) return;
    try {
      proxy = await startConfiguredProxy(keyport, dataDir, opts);
    } catch (e) {
      const err = toKeyportError(e);
      opts.onEvent?.({ type: 'reload-failed', code: err.code, message: err.message });
    }
    if (proxy) unwatch();
  };
  const unwatch = watchFile(savedRoutesFile(dataDir), () => void (starting = starting.then(startOnce)));
  return {
    stop: async () => {
      stopped = true;
      unwatch();
      await starting;
      await proxy?.close();
    },
  };
}
